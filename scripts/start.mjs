// `pnpm start`: the ingest and the worker side by side, for trying the product on one machine.
// Each child's output is passed through; a signal stops both; if one exits, the other is stopped too.
import { spawn } from 'node:child_process';

const children = ['apps/ingest/dist/main.js', 'apps/worker/dist/main.js'].map((main) =>
  spawn(process.execPath, [main], { stdio: 'inherit', env: process.env }),
);

let exitCode = 0;
let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};

for (const child of children) {
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null) exitCode = code;
    if (signal && !stopping) exitCode = 1;
    stop('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
