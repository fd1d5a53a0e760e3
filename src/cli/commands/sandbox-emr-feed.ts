import { InvalidArgumentError, type Command } from 'commander';

/**
 * `ehr-bridge sandbox emr-feed`: the EMR feed simulator (issue 8, source 3). Sends a realistic,
 * seeded stream of HL7 v2.5.1 ADT and SIU messages over MLLP to the engine's listener, one at a
 * time as real feeds do, and writes what OnCall Health must hold once the engine has applied it
 * (src/sandboxes/emr-feed/). Modules are loaded in the action: `--help` stays instant.
 */
interface EmrFeedOptions {
  to: { host: string; port: number };
  rate: number;
  count: number;
  patients?: number;
  seed?: string;
  expectOut?: string;
  json?: boolean;
  ackTimeout: number;
}

export function registerEmrFeedCommand(sandbox: Command): void {
  sandbox
    .command('emr-feed')
    .description("send a simulated EMR's HL7 v2 ADT/SIU stream over MLLP and write what OnCall Health should then hold")
    .requiredOption('--to <host:port>', "the engine's MLLP listener (e.g. 127.0.0.1:2576)", parseTarget)
    .option('--rate <n>', 'messages per second at most (0 = as fast as the ACKs come)', nonNegative('--rate'), 0)
    .option('--count <n>', 'messages to send', positiveInteger('--count'), 100)
    .option('--patients <n>', 'patients in the stream (default: one per 8 messages)', positiveInteger('--patients'))
    .option('--seed <s>', 'seed of the stream: the same seed sends the same patients and appointments (default: a new one, printed)')
    .option('--expect-out <file>', 'where to write the expectation JSON (default: a file in the temp folder, printed)')
    .option('--json', 'print the summary and the expectation as JSON on stdout')
    .option('--ack-timeout <ms>', 'wait this long for an ACK before sending the message again', positiveInteger('--ack-timeout'), 10_000)
    .action(async (opts: EmrFeedOptions) => {
      process.exitCode = await runEmrFeed(opts);
    });
}

async function runEmrFeed(opts: EmrFeedOptions): Promise<number> {
  const [{ randomBytes }, { writeFile }, { tmpdir }, path, { generateFeed, sendFeed }] = await Promise.all([
    import('node:crypto'),
    import('node:fs/promises'),
    import('node:os'),
    import('node:path'),
    import('../../sandboxes/emr-feed/index.js'),
  ]);
  const seed = opts.seed ?? randomBytes(4).toString('hex');
  const patients = opts.patients ?? Math.max(1, Math.ceil(opts.count / 8));
  const feed = generateFeed({ count: opts.count, patients, seed, now: new Date() });
  const expectPath = path.resolve(opts.expectOut ?? path.join(tmpdir(), `ehr-bridge-emr-feed-${seed.replace(/[^A-Za-z0-9_-]/g, '_')}.json`));
  // Written first: a stopped feed still leaves the file to look at (it covers the whole stream).
  await writeFile(expectPath, `${JSON.stringify(feed.expectation, null, 2)}\n`);

  const target = `${opts.to.host.includes(':') ? `[${opts.to.host}]` : opts.to.host}:${opts.to.port}`;
  const say = (line: string): void => {
    if (!opts.json) process.stdout.write(`${line}\n`);
  };
  say(`EMR feed to ${target}: ${fmt(opts.count)} messages, ${fmt(patients)} patients, seed ${seed} (clinic time zone ${feed.timeZone})`);

  const progress = !opts.json && process.stderr.isTTY ? progressLine(opts.count) : undefined;
  const summary = await sendFeed(feed.messages, {
    host: opts.to.host,
    port: opts.to.port,
    rate: opts.rate,
    ackTimeoutMs: opts.ackTimeout,
    onProgress: progress?.update,
  });
  progress?.done();

  const contacts = Object.values(feed.expectation.contacts);
  const merged = contacts.filter((c) => c.merged).length;
  const appointments = Object.keys(feed.expectation.appointments).length;
  if (opts.json) {
    const out = { target, seed, timeZone: feed.timeZone, kinds: feed.kinds, summary, expectationPath: expectPath, expectation: feed.expectation };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const seconds = summary.elapsedMs / 1000;
    const perSecond = seconds > 0 ? Math.round(summary.sent / seconds) : summary.sent;
    say(
      `Acknowledged ${fmt(summary.aa + summary.ae + summary.ar)} of ${fmt(summary.total)}: AA ${fmt(summary.aa)}, AE ${fmt(summary.ae)}, AR ${fmt(summary.ar)}; ${fmt(summary.resent)} sent again after no answer (${seconds.toFixed(1)} s, ${fmt(perSecond)} messages/s)`,
    );
    say(`Expectation: ${fmt(contacts.length)} contacts (${fmt(merged)} merged), ${fmt(appointments)} appointments -> ${expectPath}`);
  }
  const stop = summary.stopped;
  if (!stop) return 0;
  // An AR for the message type usually means the feed reached another listener (the sandbox EHR
  // receiver on 2575 takes only ORU/MDM): say which port the engine's sync listens on.
  const hint =
    stop.ack === 'AR' && /message type|event/i.test(stop.reason)
      ? ' Is --to the engine\'s HL7 inbound port? `npm start` prints it on the "HL7 inbound" line (2576 by default; 2575 is the sandbox EHR receiver).'
      : '';
  const why = (stop.ack ? `the listener answered ${stop.ack}: ${stop.reason}` : stop.reason) + hint;
  process.stderr.write(
    `ehr-bridge emr-feed: stopped at message ${fmt(stop.index + 1)} of ${fmt(summary.total)} (${stop.type}, control id ${stop.controlId}): ${why}. ` +
      `${fmt(summary.aa)} accepted before it; the expectation covers the whole feed, so OnCall will not match it.\n`,
  );
  return 1;
}

/** One line on the terminal, rewritten at most five times a second. */
function progressLine(total: number): { update: (s: { sent: number; aa: number; resent: number; elapsedMs: number }) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (s) => {
      const now = Date.now();
      if (now - last < 200 && s.sent < total) return;
      last = now;
      shown = true;
      const rate = s.elapsedMs > 0 ? Math.round((s.sent * 1000) / s.elapsedMs) : 0;
      process.stderr.write(`\r  sent ${fmt(s.sent)}/${fmt(total)}  AA ${fmt(s.aa)}  resent ${fmt(s.resent)}  ${fmt(rate)} messages/s\x1b[K`);
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** `host:port`, `[v6]:port`; the port must be a real one (1-65535): a feed needs a listener. */
function parseTarget(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65_535) throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:2576 ([::1]:2576 for IPv6).');
  return { host: (m[1] ?? m[2])!, port };
}

function positiveInteger(option: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${option} takes a whole number, 1 or more.`);
    return n;
  };
}

function nonNegative(option: string): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${option} takes a number, 0 or more.`);
    return n;
  };
}
