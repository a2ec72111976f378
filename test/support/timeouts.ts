// Integration tests start real processes and servers; each still bounds its own waits with deadlines.
jest.setTimeout(120_000);

// Suites SIGKILL services on purpose; a killed member holds its group's next rebalance for a session
// timeout, so the processes the tests start use short group timings (the test broker allows 1 s).
process.env.CONSUMER_SESSION_TIMEOUT_MS ??= '4000';
process.env.CONSUMER_HEARTBEAT_INTERVAL_MS ??= '500';
process.env.CONSUMER_REBALANCE_TIMEOUT_MS ??= '8000';
