import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** scripts/start-all.js, as `npm start`, `start:api` and `start:worker` run it. */
const ROOT = join(__dirname, '..');

/** A stand-in service: records its pid and its parent's, and that SIGTERM stopped it. */
const SERVICE = `
const fs = require('node:fs');
const path = require('node:path');
fs.writeFileSync(path.join(__dirname, 'started.json'), JSON.stringify({ pid: process.pid, parent: process.ppid }));
process.on('SIGTERM', () => {
  fs.writeFileSync(path.join(__dirname, 'stopped'), 'SIGTERM');
  process.exit(0);
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

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('scripts/start-all.js', () => {
  let dir: string;
  let started: { pid: number; parent: number } | null;
  let shell: ChildProcess | null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-all-'));
    writeFileSync(join(dir, 'service.js'), SERVICE);
    writeFileSync(
      join(dir, 'services.json'),
      JSON.stringify({ stand_in: { entry: join(dir, 'service.js'), nodeArgs: [] } }),
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

  /** Starts the stand-in under `sh -c`, as npm does, and waits until it runs. */
  async function startUnderShell(service = 'stand_in'): Promise<ChildProcess> {
    // `; exit $?` keeps the shell between npm and the script, as the shell npm starts is.
    shell = spawn('sh', ['-c', `node scripts/start-all.js ${service}; exit $?`], {
      cwd: ROOT,
      env: { ...process.env, SYMBIOSE_SERVICES_FILE: join(dir, 'services.json') },
      stdio: 'ignore',
    });
    return shell;
  }

  it('stops its services when the shell it was started from is killed, as npm passes SIGTERM on', async () => {
    const sh = await startUnderShell();
    await until(() => existsSync(join(dir, 'started.json')), 'the service to start');
    started = JSON.parse(readFileSync(join(dir, 'started.json'), 'utf8')) as { pid: number; parent: number };
    expect(alive(started.pid)).toBe(true);

    sh.kill('SIGTERM');
    await until(() => existsSync(join(dir, 'stopped')), 'the service to be stopped');
    expect(readFileSync(join(dir, 'stopped'), 'utf8')).toBe('SIGTERM');
    await until(() => !alive(started!.pid) && !alive(started!.parent), 'the service and start-all to exit');
  });

  it('refuses a service it does not know, starting nothing', async () => {
    const sh = await startUnderShell('no_such_service');
    const code = await new Promise<number | null>((resolve) => sh.once('exit', resolve));
    expect(code).toBe(2);
    expect(existsSync(join(dir, 'started.json'))).toBe(false);
  });
});
