// Real-service suites boot apps and workers; allow them a minute per test.
jest.setTimeout(60_000);
