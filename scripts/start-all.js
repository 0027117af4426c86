// Starts the built API and worker (or only those named: `node scripts/start-all.js worker`) with the
// Node flags of scripts/services.json (or the file SYMBIOSE_SERVICES_FILE names); stops all of them when
// one exits, or on Ctrl-C or SIGTERM, and kills those still running after a grace period. The npm
// scripts start it with `exec`: npm passes a SIGTERM on to the shell it runs a script in, which would
// die without passing it further and leave this process and its services running.
//
// The worker's young generation starts at 16 MB a semi-space (V8 starts at 1 MB and grows it slowly):
// its in-memory state of every stream lives in the old generation, so each scavenge costs 1-9 ms
// whatever the young generation's size, and with 1 MB a matching job ran several of them (the bench's
// new streams: largest compute 14 and 56 ms in two runs without these flags, 5.9 and 6.5 ms with them).
const { spawn } = require('node:child_process');
const path = require('node:path');
const services = require(process.env.SYMBIOSE_SERVICES_FILE || './services.json');

const root = path.join(__dirname, '..');
const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(services);
for (const name of names) {
  if (!services[name]) {
    console.error(`unknown service ${name}; known: ${Object.keys(services).join(', ')}`);
    process.exit(2);
  }
}
const children = names.map((name) => {
  const { entry, nodeArgs } = services[name];
  const child = spawn(process.execPath, [...nodeArgs, path.resolve(root, entry)], {
    stdio: 'inherit',
    env: process.env,
  });
  child.on('exit', (code) => {
    console.error(`${name} exited with ${code}`);
    shutdown(code ?? 1);
  });
  return child;
});

// How long the services get to stop after SIGTERM (a worker finishes its active jobs first); then they
// are killed, rather than left running after this process (the jobs are safe to kill: they are retried).
const graceMs = Number(process.env.SYMBIOSE_STOP_GRACE_MS || 10000);

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of running()) {
      console.error(`${names[children.indexOf(child)]} did not stop within ${graceMs} ms: killed`);
      child.kill('SIGKILL');
    }
  }, graceMs).unref();
  Promise.all(running().map((c) => new Promise((r) => c.once('exit', r)))).then(() => process.exit(code));
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
