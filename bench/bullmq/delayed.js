// The BullMQ baseline of bench/run-sla.sh (issue 15, item 4): what a team
// would pick for "fire this at that time", run against the same Redis as
// the sla-timer's burst, with the same count. N delayed jobs all fall due
// at one instant T0, LEAD_MS after the start; a Worker (concurrency
// CONCURRENCY) takes them. Prints one line per run, as sla_bench burst
// does: jobs a second from T0 to the last job taken, and the lag from T0
// to each job reaching the worker's processor (which does nothing else,
// where the sla-timer also claims, produces to Kafka and marks).
//
//	node delayed.js HOST:PORT [N] [LEAD_MS] [CONCURRENCY]
//
// LEAD_MS 0 (the default) times the adding of a few thousand jobs first
// (after a thousand untimed) and takes half again the time all N would
// take, and 2 s more.
//
// bullmq and ioredis come from NODE_PATH (bench/run-sla.sh installs the
// versions pinned in package-lock.json under .local/).
'use strict';

const { Queue, Worker } = require('bullmq');
const { performance } = require('perf_hooks');

const [host, port] = (process.argv[2] || '127.0.0.1:6379').split(':');
const n = Number(process.argv[3] || 100000);
let lead = Number(process.argv[4] || 0);
const concurrency = Number(process.argv[5] || 100);
const connection = { host, port: Number(port), maxRetriesPerRequest: null };
const name = 'sla-bench';

const now = () => performance.timeOrigin + performance.now();

function pctl(sorted, p) {
  const i = Math.ceil(p * sorted.length);
  return sorted.length === 0 ? 0 : sorted[i === 0 ? 0 : i - 1];
}

// Adds jobs from..to-1 of the queue, all due at t0.
async function add(queue, from, to, t0) {
  for (let i = from; i < to; i += 1000) {
    const at = Date.now();
    const jobs = [];
    for (let k = i; k < Math.min(to, i + 1000); k++)
      jobs.push({ name: 'breach', data: { k }, opts: {
        timestamp: at, delay: t0 - at,
        removeOnComplete: true, removeOnFail: true } });
    await queue.addBulk(jobs);
  }
}

async function main() {
  const queue = new Queue(name, { connection });
  await queue.obliterate({ force: true });
  if (lead === 0) {
    // The first thousand jobs are left out of the timing: they also wait
    // for the connection, BullMQ's scripts and node's JIT, which timed
    // with the sample made it twice as slow as the whole (a lead of
    // 39.5 s for 100,000 jobs added in 11.7 s).
    const sample = Math.min(n, 5000);
    const far = Date.now() + 3600000;
    await add(queue, 0, 1000, far);
    const t = now();
    await add(queue, 1000, 1000 + sample, far);
    lead = 1.5 * (now() - t) * n / sample + 2000;
    await queue.obliterate({ force: true });
  }
  const start = now();
  const t0 = Math.round(start + lead);
  await add(queue, 0, n, t0);
  const added = now();
  if (added > t0)
    throw new Error(`adding ${n} jobs took ${Math.round(added - start)} ms, ` +
      `more than the lead of ${lead} ms`);
  const lags = [];
  let last = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const worker = new Worker(name, async () => {
    last = now();
    lags.push(last - t0);
    if (lags.length === n)
      done();
  }, { connection, concurrency });
  const timeout = setTimeout(done, t0 + 120000 - Date.now());
  await finished;
  clearTimeout(timeout);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  lags.sort((a, b) => a - b);
  const perS = lags.length > 0 && last > t0 ? lags.length / ((last - t0) / 1000) : 0;
  console.log(`bullmq n=${n} fired=${lags.length} per_s=${perS.toFixed(0)} ` +
    `p50_ms=${pctl(lags, 0.5).toFixed(1)} p99_ms=${pctl(lags, 0.99).toFixed(1)} ` +
    `saved_s=${((added - start) / 1000).toFixed(2)} lead_ms=${Math.round(lead)} ` +
    `concurrency=${concurrency}`);
  process.exit(lags.length === n ? 0 : 1);
}

main().catch((err) => {
  console.error(`bullmq: ${err.message}`);
  process.exit(2);
});
