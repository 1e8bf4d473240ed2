-- wrk script of ./dev bench (issue 15, intake alone): posts realistic
-- complaints (the demo's descriptions, Chinese and English, each on an
-- order of its own with one SKU, across 500 merchants) with the bench's
-- channel keys over keep-alive connections, and counts the answers by
-- status. The same script runs against intake and against evhttp_bare.

local texts = {
	"收到的商品质量很差，用了两天就坏了，要求退款",
	"快递一直没有送到，物流信息好几天没更新了",
	"客服态度很差，问了三次都没有人处理",
	"商品是假货，再不处理我就打12315投诉",
	"The item broke after two days of normal use, I want a refund",
	"My parcel is late, tracking has not moved for days",
	"The customer service agent was rude and did not help",
	"I was charged twice for the same order",
}
local types = {
	"product.quality", "logistics.delay", "service.agent_attitude",
	"product.quality", "product.quality", "logistics.delay",
	"service.agent_attitude", "payment.double_charge",
}
local channels = { "app", "app", "app", "web", "chat", "hotline", "email" }

local threads = {}
local counter = 1

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	n = 0
	run = os.time()
	answers = {}
end

function request()
	n = n + 1
	local k = (n * 7 + tid) % #texts + 1
	local ch = channels[n % #channels + 1]
	local body = string.format(
		'{"order_id":"W%d-%d-%d","sku":"SKU-%d","merchant_id":"M%d",' ..
		'"user":{"id":"U%d%d","phone":"+86 138-0000-0000",' ..
		'"email":"w%d@example.com"},"description":"%s",' ..
		'"problem_type":"%s","demand":"refund"}',
		run, tid, n, 10000 + n % 90000, 2001 + (n * 31 + tid) % 500,
		tid, n, n, texts[k], types[k])
	return wrk.format("POST", "/v1/complaints", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer bench-" .. ch,
	}, body)
end

function response(status, headers, body)
	answers[status] = (answers[status] or 0) + 1
end

function done(summary, latency, requests)
	local by = {}
	for _, t in ipairs(threads) do
		local a = t:get("answers")
		for s, c in pairs(a) do by[s] = (by[s] or 0) + c end
	end
	local parts = {}
	for s, c in pairs(by) do table.insert(parts, s .. ":" .. c) end
	table.sort(parts)
	io.write(string.format("wrk requests=%d seconds=%.2f per_s=%.0f" ..
		" p50_ms=%.2f p99_ms=%.2f errors=%d statuses=%s\n",
		summary.requests, summary.duration / 1e6,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.status +
		summary.errors.timeout, table.concat(parts, ",")))
end
