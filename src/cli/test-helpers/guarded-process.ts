// A process with the serve command's guards: one unhandled rejection, then (on demand) an
// uncaught exception. Run by process-guards.test.ts through bin/run-ts.js.
import { createLogger } from '../../logging/logger.js';
import { installProcessGuards } from '../process-guards.js';

installProcessGuards(createLogger({ level: 'info' }));
void Promise.reject(Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' }));
setTimeout(() => {
  process.stdout.write('still serving\n');
  if (process.argv.includes('--throw')) {
    setTimeout(() => {
      throw new TypeError('broken state');
    }, 10);
  } else {
    process.exit(0);
  }
}, 200);
