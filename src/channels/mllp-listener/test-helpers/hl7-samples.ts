/**
 * Small HL7 v2 messages for the listener's tests and benchmark (synthetic people, not real).
 * Segments end with CR as MLLP senders write them.
 */
export interface SampleOptions {
  controlId: string;
  patientId?: string;
  event?: string;
  family?: string;
  sendingApplication?: string;
  sendingFacility?: string;
  version?: string;
}

export function adtMessage(o: SampleOptions): Buffer {
  const event = o.event ?? 'A08';
  const segments = [
    `MSH|^~\\&|${o.sendingApplication ?? 'EMR'}|${o.sendingFacility ?? 'CLINIC'}|EHRB|EHRB|20260101120000||ADT^${event}^ADT_A01|${o.controlId}|P|${o.version ?? '2.5.1'}`,
    `EVN|${event}|20260101120000`,
    `PID|1||${o.patientId ?? 'P1'}^^^EMR^MR||${o.family ?? 'Doe'}^Jane||19800101|F|||1 Main St^^Springfield^IL^62701||^PRN^PH^^^555^1234567`,
    'PV1|1|O',
  ];
  return Buffer.from(segments.join('\r') + '\r', 'utf8');
}

export function ackMessage(controlId: string, acknowledged: string): Buffer {
  return Buffer.from(`MSH|^~\\&|EMR|CLINIC|EHRB|EHRB|20260101120000||ACK^A08^ACK|${controlId}|P|2.5.1\rMSA|AA|${acknowledged}\r`, 'utf8');
}

/** MSA-1 and MSA-2 of an ACK (text). */
export function msa(ack: Buffer): { code: string; controlId: string; err: string[] } {
  const lines = ack.toString('utf8').split(/\r|\n/);
  const m = lines.find((l) => l.startsWith('MSA|'))?.split('|') ?? [];
  return { code: m[1] ?? '', controlId: m[2] ?? '', err: lines.filter((l) => l.startsWith('ERR|')) };
}
