// Starts the API and the worker together for the demo; stops both when either exits or on Ctrl-C.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const children = [
  ['api', 'dist/apps/api/apps/api/src/main.js'],
  ['worker', 'dist/apps/worker/apps/worker/src/main.js'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, [path.join(root, entry)], { stdio: 'inherit', env: process.env });
  child.on('exit', (code) => {
    console.error(`${name} exited with ${code}`);
    shutdown(code ?? 1);
  });
  return child;
});

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 10000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(
    () => process.exit(code),
  );
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
