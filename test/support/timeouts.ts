// Integration tests start real processes and servers; each still bounds its own waits with deadlines.
jest.setTimeout(120_000);
