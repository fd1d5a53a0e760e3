import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Progress, Radio, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { formatCount, formatDateTime } from '../format/format.js';
import { confirmAction } from '../layout/confirm.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { MatchReviews } from './match-reviews.js';
import { canLink, canPush, FIELD_WORDS, KIND_WORDS, oncallLabel, pushWords, sideWords, TYPE_WORDS } from './finding-words.js';
import { useAct, useRun, useRuns, useStartRun, type FindingKind, type FindingRow, type ReconcileType, type RunView } from './reconcile-api.js';

const FILTERS: FindingKind[] = ['different', 'missing-in-oncall', 'missing-in-emr', 'duplicated'];

/**
 * The Reconciliation page (/reconcile, issue 9): compares the EMR and OnCall record by record,
 * shows the progress while it reads both, the counts, and each record that is not in sync with
 * what differs and who owns it; Push writes the owning side's values, Link pairs two records a
 * person knows are the same, Ignore sets a finding aside for this comparison. Every action asks
 * first and happens once.
 */
export function ReconcilePage() {
  const [type, setType] = useState<ReconcileType>('contacts');
  const runs = useRuns();
  const start = useStartRun();
  const [startedId, setStartedId] = useState<string | null>(null);
  const latest = runs.data?.runs.find((r) => r.type === type) ?? null;
  const runId = startedId && runs.data?.runs.find((r) => r.id === startedId)?.type === type ? startedId : (latest?.id ?? null);
  const [kind, setKind] = useState<FindingKind | ''>('');
  // Findings pages: the cursors followed so far (empty: the first page).
  const [cursors, setCursors] = useState<number[]>([]);
  const run = useRun(runId, kind, cursors[cursors.length - 1] ?? 0);

  const begin = () => {
    start.mutate(type, {
      onSuccess: (r) => {
        setStartedId(r.run.id);
        setKind('');
        setCursors([]);
      },
    });
  };

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Reconciliation
      </Title>
      <Text size="sm" c="dimmed" maw={720}>
        Compares the EMR and OnCall Health record by record: what is in sync, what is missing on one side, what differs and which side owns each
        field, and OnCall contacts that stand twice for one EMR patient.
      </Text>
      <Group align="end" gap="sm">
        <SegmentedControl
          aria-label="What to compare"
          value={type}
          onChange={(v) => {
            setType(v as ReconcileType);
            setKind('');
            setCursors([]);
          }}
          data={(['contacts', 'appointments'] as const).map((t) => ({ value: t, label: TYPE_WORDS[t].label }))}
        />
        <Button onClick={begin} loading={start.isPending} disabled={run.data?.run.status === 'running'}>
          Start a comparison
        </Button>
      </Group>
      {start.isError && (
        <Alert color="red" role="alert" title="The comparison could not start">
          {start.error.message}
        </Alert>
      )}
      {runs.isPending && <Loader aria-label="Loading the comparisons" />}
      {runs.data && !runId && <Text>No comparison of {TYPE_WORDS[type].label.toLowerCase()} yet in this engine. Start one to see the differences.</Text>}
      {run.data && <RunSummary run={run.data.run} kind={kind} onKind={(k) => (setKind(k), setCursors([]))} />}
      {run.data && run.data.run.status !== 'failed' && (
        <Findings
          type={run.data.run.type}
          runId={run.data.run.id}
          rows={run.data.findings}
          running={run.data.run.status === 'running'}
          next={run.data.nextCursor}
          onNext={(c) => setCursors((cs) => [...cs, c])}
          onPrevious={cursors.length > 0 ? () => setCursors((cs) => cs.slice(0, -1)) : null}
        />
      )}
      <MatchReviews />
    </Stack>
  );
}

function RunSummary({ run, kind, onKind }: { run: RunView; kind: FindingKind | ''; onKind: (k: FindingKind | '') => void }) {
  const p = run.progress;
  const s = run.summary;
  const counts: Record<FindingKind, number> = { 'in-sync': s.inSync, 'missing-in-oncall': s.missingInOncall, 'missing-in-emr': s.missingInEmr, different: s.different, duplicated: s.duplicated };
  return (
    <Stack gap="sm" data-testid="run-summary" data-status={run.status}>
      <Text size="sm" c="dimmed">
        Started {formatDateTime(run.startedAt)}
        {run.finishedAt ? `, finished ${formatDateTime(run.finishedAt)}` : ''}
      </Text>
      {run.status === 'running' && (
        <Stack gap={4} aria-live="polite">
          <Text size="sm">
            {p.phase === 'oncall' ? 'Reading OnCall' : 'Reading the EMR and comparing'}: {formatCount(p.oncall)}
            {p.oncallTotal !== undefined ? ` of ${formatCount(p.oncallTotal)}` : ''} OnCall records, {formatCount(p.emr)} EMR records read
          </Text>
          <Progress value={progressPercent(p)} animated aria-label="Progress" />
        </Stack>
      )}
      {run.status === 'failed' && (
        <Alert color="red" role="alert" title="The comparison stopped">
          {run.error}
        </Alert>
      )}
      {run.status === 'done' && run.allInSync && (
        <Alert color="green" title="All in sync">
          Every record is the same on both sides ({formatCount(s.inSync)}).
        </Alert>
      )}
      {run.status === 'done' && !run.allInSync && (
        <Anchor href={`/api/reconcile/runs/${encodeURIComponent(run.id)}/report.csv`} download size="sm" w="fit-content">
          Download the differences (CSV)
        </Anchor>
      )}
      <Group gap="xs" role="group" aria-label="Show">
        <Badge variant="light" color="green" size="lg" data-testid="count-in-sync">
          In sync {formatCount(s.inSync)}
        </Badge>
        {(['', ...FILTERS] as const).map((k) => (
          <Button
            key={k || 'all'}
            size="compact-sm"
            radius="xl"
            variant={kind === k ? 'light' : 'default'}
            aria-pressed={kind === k}
            onClick={() => onKind(k)}
            data-testid={k ? `count-${k}` : 'count-all'}
          >
            {k ? `${KIND_WORDS[k].label} ${formatCount(counts[k])}` : 'All differences'}
          </Button>
        ))}
      </Group>
    </Stack>
  );
}

function Findings(props: {
  type: ReconcileType;
  runId: string;
  rows: FindingRow[];
  running: boolean;
  next: number | null;
  onNext: (cursor: number) => void;
  onPrevious: (() => void) | null;
}) {
  const { type, runId, rows } = props;
  const act = useAct(runId);
  const [linking, setLinking] = useState<FindingRow | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const t = TYPE_WORDS[type];

  const push = (f: FindingRow) =>
    confirmAction({
      title: f.kind === 'different' ? 'Write the owning side’s values?' : f.kind === 'missing-in-oncall' ? `Create the ${t.one} in OnCall?` : `Create the ${t.emrOne} in the EMR?`,
      message: pushWords(f, type),
      confirmLabel: f.kind === 'different' ? 'Push' : 'Create it',
      destructive: false,
      onConfirm: () => {
        setSaid(null);
        act.mutate({ n: f.n, action: 'push' }, { onSuccess: (r) => setSaid(r.repeated ? 'That was already done: nothing was written again.' : `Done: ${r.done}.`) });
      },
    });
  const ignore = (f: FindingRow) =>
    confirmAction({
      title: 'Ignore this difference?',
      message: 'It is set aside in this comparison only; nothing is written. The next comparison shows it again if it is still there.',
      confirmLabel: 'Ignore',
      destructive: false,
      onConfirm: () => {
        setSaid(null);
        act.mutate({ n: f.n, action: 'ignore' }, { onSuccess: () => setSaid('Set aside in this comparison.') });
      },
    });

  const columns: Column<FindingRow>[] = [
    { key: 'kind', label: 'Finding', render: (f) => <Badge color={KIND_WORDS[f.kind].color} variant="light">{KIND_WORDS[f.kind].label}</Badge> },
    { key: 'emr', label: `EMR ${t.emrOne}`, render: (f) => f.emrId ?? <Text c="dimmed" size="sm">none</Text> },
    {
      key: 'oncall',
      label: `OnCall ${t.one}`,
      render: (f) => (f.oncallUrls ?? (f.oncallUrl ? [f.oncallUrl] : [])).map((u) => oncallLabel(u, type)).join(', ') || <Text c="dimmed" size="sm">none</Text>,
    },
    { key: 'what', label: 'What differs', render: (f) => <Differences f={f} />, hideInCard: (f) => !f.fields?.length && !f.note && !f.possibleMatch && f.kind !== 'duplicated' },
    {
      key: 'actions',
      label: '',
      render: (f) =>
        f.action ? (
          <Text size="sm" data-testid="action-done">
            {f.action.action === 'ignore' ? 'Ignored' : f.action.action === 'link' ? 'Linked' : 'Pushed'}: {f.action.done}
          </Text>
        ) : (
          <Group gap="xs" wrap="wrap">
            {canPush(f, type) && (
              <Button size="xs" onClick={() => push(f)} disabled={props.running || act.isPending}>
                Push
              </Button>
            )}
            {canLink(f) && (
              <Button size="xs" variant="light" onClick={() => setLinking(f)} disabled={props.running || act.isPending}>
                Link
              </Button>
            )}
            <Button size="xs" variant="subtle" onClick={() => ignore(f)} disabled={props.running || act.isPending}>
              Ignore
            </Button>
          </Group>
        ),
    },
  ];

  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        Records to look at
      </Title>
      {act.isError && (
        <Alert color="red" role="alert" title="Not done" withCloseButton onClose={() => act.reset()}>
          {act.error.message}
        </Alert>
      )}
      {said && (
        <Alert color="green" role="status" withCloseButton onClose={() => setSaid(null)}>
          {said}
        </Alert>
      )}
      {rows.length === 0 ? (
        <Text size="sm">{props.running ? 'Nothing found yet.' : 'Nothing to show.'}</Text>
      ) : (
        <ResponsiveTable label="Findings" data={rows} columns={columns} rowKey={(f) => String(f.n)} rowAttributes={(f) => ({ 'data-testid': 'finding', 'data-kind': f.kind })} minWidth={820} />
      )}
      {(props.next !== null || props.onPrevious) && (
        <Group gap="sm">
          {props.onPrevious && (
            <Button variant="default" onClick={props.onPrevious}>
              Previous page
            </Button>
          )}
          {props.next !== null && (
            <Button variant="default" onClick={() => props.onNext(props.next as number)}>
              Next page
            </Button>
          )}
        </Group>
      )}
      <LinkDialog
        finding={linking}
        type={type}
        onClose={() => setLinking(null)}
        onLink={(v) => {
          const f = linking;
          setLinking(null);
          if (!f) return;
          setSaid(null);
          act.mutate({ n: f.n, action: 'link', ...v }, { onSuccess: (r) => setSaid(r.repeated ? 'That was already done: nothing was written again.' : `Done: ${r.done}.`) });
        }}
      />
    </Stack>
  );
}

function Differences({ f }: { f: FindingRow }) {
  if (f.kind === 'duplicated') return <Text size="sm">{f.oncallUrls?.length ?? 2} OnCall contacts hold this EMR patient’s id: link the right one, then merge the others in OnCall.</Text>;
  if (!f.fields?.length) {
    const lines = [f.note ? `${f.note.charAt(0).toUpperCase()}${f.note.slice(1)}.` : '', f.possibleMatch ? `Possibly the same as EMR record ${f.possibleMatch} (same name and date of birth, or same time): link them if it is.` : ''].filter(Boolean);
    return lines.length ? <Text size="sm">{lines.join(' ')}</Text> : null;
  }
  return (
    <Stack gap={4}>
      {f.fields.map((d) => (
        <Text size="sm" key={d.field} style={{ overflowWrap: 'anywhere' }}>
          <b>{FIELD_WORDS[d.field] ?? d.field}</b>: EMR {d.emr ?? 'empty'}, OnCall {d.oncall ?? 'empty'}{' '}
          <Text span size="xs" c="dimmed">
            ({sideWords(d.owner)} owns it)
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

function LinkDialog(props: { finding: FindingRow | null; type: ReconcileType; onClose: () => void; onLink: (v: { oncallUrl?: string; emrId?: string }) => void }) {
  const f = props.finding;
  const t = TYPE_WORDS[props.type];
  const [value, setValue] = useState('');
  const [shownFor, setShownFor] = useState<number | null>(null);
  // A possible match found by the comparison is offered, the person can change it.
  if (f && shownFor !== f.n) {
    setShownFor(f.n);
    setValue(f.possibleMatch ?? '');
  }
  const close = () => {
    setValue('');
    setShownFor(null);
    props.onClose();
  };
  const submit = () => {
    if (!f || !value.trim()) return;
    props.onLink(f.kind === 'missing-in-emr' ? { emrId: value.trim() } : { oncallUrl: value.trim() });
    setValue('');
    setShownFor(null);
  };
  return (
    <Modal opened={f !== null} onClose={close} title="Link two records" centered>
      {f && (
        <Stack gap="sm">
          {f.kind === 'duplicated' ? (
            <Radio.Group label={`Which OnCall ${t.one} is EMR ${t.emrOne} ${f.emrId}?`} value={value} onChange={setValue}>
              <Stack gap="xs" mt="xs">
                {(f.oncallUrls ?? []).map((u) => (
                  <Radio key={u} value={u} label={oncallLabel(u, props.type)} />
                ))}
              </Stack>
            </Radio.Group>
          ) : f.kind === 'missing-in-oncall' ? (
            <TextInput label={`The OnCall ${t.one} that is EMR ${t.emrOne} ${f.emrId}`} description="Its address in the OnCall API, as OnCall lists it" value={value} onChange={(e) => setValue(e.currentTarget.value)} />
          ) : (
            <TextInput label={`The EMR ${t.emrOne} that is OnCall ${oncallLabel(f.oncallUrl, props.type)}`} description="Its id in the EMR" value={value} onChange={(e) => setValue(e.currentTarget.value)} />
          )}
          <Text size="sm" c="dimmed">
            The two are then treated as the same record by the sync and by the next comparison. Nothing else is written.
          </Text>
          <Group justify="end">
            <Button variant="default" onClick={close}>
              Keep them apart
            </Button>
            <Button onClick={submit} disabled={!value.trim()}>
              Link them
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/**
 * OnCall is read first (half the bar, its listing says how many), then the EMR (the other half;
 * its size is not known ahead, so OnCall's count stands for it: the two should be close).
 */
function progressPercent(p: RunView['progress']): number {
  const total = Math.max(p.oncallTotal ?? 0, p.oncall, 1);
  if (p.phase === 'oncall') return Math.min(50, (p.oncall / total) * 50);
  return Math.min(99, 50 + (p.emr / Math.max(total, p.emr + 1)) * 50);
}
