import { Code, List, Text, Timeline } from '@mantine/core';
import { MESSAGE_STATUS_TEXT } from './labels.js';
import { parsedText } from './parsed-text.js';
import type { MessageStatus, MessageTraceEvent } from './sync-api.js';

const KIND_TEXT = {
  parsed: 'Read as',
  decision: 'Decision',
  call: 'Call to the partner',
  error: 'Error',
} as const satisfies Record<MessageTraceEvent['kind'], string>;

/**
 * What happened to a message, in order: what it was read as (a sentence per event, its FHIR
 * resources folded away), each decision (skipped because nothing relevant changed, PATCH of which keys), each
 * call to the partner with its answer, and errors.
 */
export function TraceTimeline({ trace }: { trace: readonly MessageTraceEvent[] }) {
  if (trace.length === 0) return <Text c="dimmed">Nothing has been done with this message yet.</Text>;
  return (
    <Timeline bulletSize={14} lineWidth={2} active={trace.length - 1} aria-label="Trace">
      {trace.map((e) => (
        <Timeline.Item key={e.id} color={e.kind === 'error' ? 'red' : e.kind === 'call' ? 'blue' : 'gray'} title={titleOf(e)} data-testid="trace-event" data-kind={e.kind}>
          <TraceDetail event={e} />
          <Text size="xs" c="dimmed" mt={2}>
            {new Date(e.at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })}
          </Text>
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

/** A refusal's 'parsed' event ({outcome, ack, errors}) is titled so; its reason is in the "Why" box. */
function titleOf(e: MessageTraceEvent): string {
  const d = e.detail;
  if (e.kind === 'parsed' && d && typeof d === 'object' && 'outcome' in d) return 'Read and refused (see Why above)';
  return KIND_TEXT[e.kind] ?? e.kind;
}

function TraceDetail({ event }: { event: MessageTraceEvent }) {
  const d = event.detail;
  const o = d && typeof d === 'object' ? (d as Record<string, unknown>) : undefined;
  switch (event.kind) {
    case 'call': {
      // detail {method, path, status, ms}: the partner call and its answer.
      if (o && typeof o.method === 'string') {
        const answer = o.status === undefined || o.status === null ? 'no answer' : `answered ${String(o.status)}`;
        return (
          <Text size="sm">
            <Code>
              {o.method} {String(o.path ?? '')}
            </Code>{' '}
            {answer}
            {typeof o.ms === 'number' ? ` in ${Math.round(o.ms)} ms` : ''}
            {typeof o.note === 'string' ? ` (${o.note})` : ''}
          </Text>
        );
      }
      return <JsonText value={d} />;
    }
    case 'decision':
      if (o && typeof o.summary === 'string') return <Text size="sm">{o.summary}</Text>;
      if (o && typeof o.action === 'string') {
        // A reprocess request: {action, by, from} (src/messages/requeue.ts).
        const was = typeof o.from === 'string' && o.from in MESSAGE_STATUS_TEXT ? ` (it was ${MESSAGE_STATUS_TEXT[o.from as MessageStatus].label})` : '';
        return <Text size="sm">{`${upperFirst(o.action)}${typeof o.by === 'string' ? ` by ${o.by}` : ''}${was}`}</Text>;
      }
      return <JsonText value={d} />;
    case 'error': {
      const text = typeof d === 'string' ? d : ['text', 'message', 'error'].map((k) => o?.[k]).find((v): v is string => typeof v === 'string');
      return text ? (
        <Text size="sm" c="red.8">
          {text}
        </Text>
      ) : (
        <JsonText value={d} />
      );
    }
    case 'parsed':
    default: {
      const read = parsedText(d);
      // A refusal ({outcome, ack, errors}): its reason is the page's "Why" box, not repeated here.
      if (!read) return o && 'outcome' in o ? null : <FhirResources value={d} />;
      return (
        <>
          <List size="sm" spacing={2} data-testid="read-as">
            {read.sentences.map((s, i) => (
              <List.Item key={i}>{s}</List.Item>
            ))}
          </List>
          {read.resources.length > 0 && <FhirResources value={read.resources.length === 1 ? read.resources[0] : read.resources} />}
        </>
      );
    }
  }
}

/**
 * The FHIR resources whole, folded away (they are for whoever checks the mapping): a full-width
 * block that scrolls sideways rather than wrapping mid-value; focusable and named, so a keyboard
 * can scroll it (WCAG 2.1.1).
 */
function FhirResources({ value }: { value: unknown }) {
  return (
    <details style={{ marginTop: 4 }}>
      <summary style={{ cursor: 'pointer', fontSize: 'var(--mantine-font-size-sm)' }}>Show the FHIR resources</summary>
      <Code block role="region" aria-label="The FHIR resources" tabIndex={0} style={{ whiteSpace: 'pre', overflowX: 'auto', maxWidth: '100%', marginTop: 4 }}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </details>
  );
}

function JsonText({ value }: { value: unknown }) {
  return (
    <Code style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{JSON.stringify(value)}</Code>
  );
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
