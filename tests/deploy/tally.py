"""The count of the deploy checks: each failure printed as it comes, then
the last line "N passed, N failed" that ./dev test and CI read."""


class Tally:
    def __init__(self, where=None):
        self.passed = self.failed = 0
        self.where = where

    def check(self, ok, what):
        """Counts one check; prints what failed; returns ok."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {self.where}: {what}" if self.where else
                  f"FAIL {what}")
        return ok

    def report(self):
        """Prints the summary line; the exit status of the check."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
