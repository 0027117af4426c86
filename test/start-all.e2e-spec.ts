import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './support/api-harness';
import { waitForExit } from './support/worker-process';

/** scripts/start-all.js, as the npm scripts of package.json run it. */
const ROOT = join(__dirname, '..');

/** A stand-in service: records its pid and its parent's, and that SIGTERM stopped it. */
const SERVICE = `
const fs = require('node:fs');
const path = require('node:path');
fs.writeFileSync(path.join(__dirname, 'started.json'), JSON.stringify({ pid: process.pid, parent: process.ppid }));
process.on('SIGTERM', () => {
  fs.writeFileSync(path.join(__dirname, 'stopped'), 'SIGTERM');
  // A worker finishing a long job: it does not exit on SIGTERM.
  if (process.env.STAND_IN_STUBBORN !== '1') process.exit(0);
});
setInterval(() => undefined, 1000);
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** pollUntil of a synchronous check. */
const until = (check: () => boolean, what: string) => pollUntil(() => Promise.resolve(check()), { what });

describe('scripts/start-all.js', () => {
  let dir: string;
  let started: { pid: number; parent: number } | null;
  let shell: ChildProcess | null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-all-'));
    writeFileSync(join(dir, 'service.js'), SERVICE);
    writeFileSync(
      join(dir, 'services.json'),
      JSON.stringify({ worker: { entry: join(dir, 'service.js'), nodeArgs: [] } }),
    );
    started = null;
    shell = null;
  });

  afterEach(() => {
    for (const pid of [started?.pid, started?.parent, shell?.pid]) {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs an npm script of package.json with the stand-in in place of the services. */
  function npmRun(script: string, env: Record<string, string> = {}): ChildProcess {
    shell = spawn('npm', ['run', '-s', script], {
      cwd: ROOT,
      env: { ...process.env, SYMBIOSE_SERVICES_FILE: join(dir, 'services.json'), ...env },
      stdio: 'ignore',
    });
    return shell;
  }

  it('npm run start:worker stops its service when npm is sent SIGTERM (a process manager, timeout)', async () => {
    const npm = npmRun('start:worker');
    await until(() => existsSync(join(dir, 'started.json')), 'the service to start');
    started = JSON.parse(readFileSync(join(dir, 'started.json'), 'utf8')) as { pid: number; parent: number };
    expect(alive(started.pid)).toBe(true);

    npm.kill('SIGTERM');
    await until(() => existsSync(join(dir, 'stopped')), 'the service to be stopped');
    expect(readFileSync(join(dir, 'stopped'), 'utf8')).toBe('SIGTERM');
    await until(() => !alive(started!.pid) && !alive(started!.parent), 'the service and start-all to exit');
  });

  it('kills a service that has not stopped within the grace period, instead of leaving it running', async () => {
    const npm = npmRun('start:worker', { STAND_IN_STUBBORN: '1', SYMBIOSE_STOP_GRACE_MS: '300' });
    await until(() => existsSync(join(dir, 'started.json')), 'the service to start');
    started = JSON.parse(readFileSync(join(dir, 'started.json'), 'utf8')) as { pid: number; parent: number };

    npm.kill('SIGTERM');
    await until(() => existsSync(join(dir, 'stopped')), 'the service to be asked to stop');
    // It ignored the request; after the grace period it is killed, and start-all exits after it.
    await until(() => !alive(started!.pid) && !alive(started!.parent), 'the service and start-all to exit');
  });

  it('refuses a service it does not know, starting nothing', async () => {
    const script = spawn(process.execPath, ['scripts/start-all.js', 'no_such_service'], {
      cwd: ROOT,
      env: { ...process.env, SYMBIOSE_SERVICES_FILE: join(dir, 'services.json') },
      stdio: 'ignore',
    });
    const code = await waitForExit(script);
    expect(code).toBe(2);
    expect(existsSync(join(dir, 'started.json'))).toBe(false);
  });
});
