import { Alert, Button, Group, List, Stack, Stepper, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { api } from '../api/http.js';
import { useDivisions, useOnCallSettings } from '../api/queries.js';
import type { RunSummary } from '../api/types.js';
import { uploadImportFile } from '../api/upload-file.js';
import { useCsvReader } from '../csv/use-csv-reader.js';
import { correctedCsv, correctedFileName } from '../csv/correct-csv.js';
import { downloadBlob } from '../problems/download.js';
import { linesToFixCsv, linesToFixFileName } from '../problems/lines-to-fix.js';
import { useCorrections } from './corrections.js';
import { navigate, runPath } from '../router/router.js';
import { StepCheck, IDLE_SERVER_CHECK, type ServerCheck } from './step-check.js';
import { MAX_ROWS, StepFile } from './step-file.js';
import { matchBlockers, StepMatch } from './step-match.js';
import { StepWhat } from './step-what.js';
import { StepEmr, type EmrPreview } from './step-emr.js';
import { IDLE_EMR_CHECK, StepEmrCheck, type EmrCheck } from './step-emr-check.js';
import { browserTimeZone } from './time-zones.js';
import { formFields, templateForCheck, type ImportDefaults, type ImportSource, type LoadedTemplate } from './wizard-types.js';

/** Appointment times without an offset are read in the browser's zone until staff pick another. */
function suggestedAppointmentOptions(emrIdMetadataKey: string | undefined) {
  return { timeZone: browserTimeZone(), ...(emrIdMetadataKey ? { emrIdMetadataKey } : {}) };
}

const STEP_LABELS = ['What to import', 'Choose the file', 'Match columns', 'Check and start'] as const;
const EMR_STEP_LABELS = ['What to import', 'Read the EMR', 'Match fields', 'Check and start'] as const;

/** What an EMR pull fills by itself (fhir/emr-appointment.ts): the table leaves them out. */
const EMR_AUTOMATIC = {
  fields: ['emrId', 'patientEmrId', 'participants.name', 'participants.firstName', 'participants.lastName', 'participants.email', 'participants.fee'],
  note: 'From the EMR by themselves: the EMR appointment id, and the patient of each appointment as participant (name and e-mail; OnCall requires the e-mail).',
} as const;

/** `POST /api/imports` for the wizard's choices, file or EMR pull alike. */
function newRunBody(recordType: RecordType, template: MappingTemplate, defaults: ImportDefaults, updateExisting: boolean) {
  return {
    target: 'oncall',
    recordType,
    // The form's clinic/provider go in twice: as `defaults` (the contract) and as constants
    // in the mapping, because the server's row check reads only the mapping (without
    // them every appointment line is "division is required").
    mapping: templateForCheck(template, defaults),
    defaults: {
      ...(defaults.division ? { division: defaults.division } : {}),
      ...(defaults.provider ? { provider: defaults.provider } : {}),
    },
    updateExisting,
  };
}

/**
 * The bulk-import wizard (/imports/new). Everything before "Send the file" happens in the
 * browser: the file is read and checked in a Web Worker. The server then checks again (its
 * answer counts), keeps the file, and the run page takes over once the import starts.
 */
export function NewImportPage() {
  const [step, setStep] = useState(0);
  const [recordType, setRecordType] = useState<RecordType>('contacts');
  const [file, setFile] = useState<File | null>(null);
  const [template, setTemplate] = useState<MappingTemplate | null>(null);
  const [loaded, setLoaded] = useState<LoadedTemplate | null>(null);
  /** The mapping was changed by hand or loaded: a new file keeps it instead of a new suggestion. */
  const [kept, setKept] = useState(false);
  const [defaults, setDefaults] = useState<ImportDefaults>({ division: null, provider: null });
  // As the CLI without --update: records already in OnCall are left as they are unless chosen.
  const [updateExisting, setUpdateExisting] = useState(false);
  const [moveBetweenDivisions, setMoveBetweenDivisions] = useState(false);
  const [server, setServer] = useState<ServerCheck>(IDLE_SERVER_CHECK);
  const [source, setSource] = useState<ImportSource>('file');
  const [emrPreview, setEmrPreview] = useState<EmrPreview | null>(null);
  const [emrCheck, setEmrCheck] = useState<EmrCheck>(IDLE_EMR_CHECK);
  const scan = useCsvReader();
  const check = useCsvReader();
  const settings = useOnCallSettings();
  const divisions = useDivisions();
  const corrections = useCorrections();
  const [applying, setApplying] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const checkedSignature = useRef<string | null>(null);
  const sentSignature = useRef<string | null>(null);

  // The worker's suggestion becomes the mapping unless a saved matching was chosen.
  useEffect(() => {
    if (!scan.state.suggested || kept) return;
    setTemplate(scan.state.suggested);
  }, [scan.state.suggested]); // eslint-disable-line react-hooks/exhaustive-deps

  // One clinic only: nothing to choose.
  useEffect(() => {
    const items = divisions.data?.items;
    if (items?.length === 1 && !defaults.division) setDefaults((d) => ({ ...d, division: items[0]!.url }));
  }, [divisions.data, defaults.division]);

  const chooseFile = (f: File) => {
    setFile(f);
    scan.read(f, {
      recordType,
      template: kept && template ? templateForCheck(template, defaults) : 'suggest',
      ...(recordType === 'appointments' ? { suggestOptions: suggestedAppointmentOptions(settings.data?.emrIdMetadataKey) } : {}),
      formFields: formFields(template),
    });
  };

  const clearFile = () => {
    corrections.clear();
    scan.cancel();
    check.cancel();
    setFile(null);
    if (!kept) setTemplate(null);
    checkedSignature.current = null;
  };

  const changeSource = (s: ImportSource) => {
    if (s === source) return;
    clearFile();
    setSource(s);
    setTemplate(null);
    setLoaded(null);
    setKept(false);
    setEmrCheck(IDLE_EMR_CHECK);
    // The EMR offers appointments: patients pulled from it need no matching (command line).
    if (s === 'emr') setRecordType('appointments');
  };

  // The EMR's suggested matching becomes the mapping unless one was chosen or changed.
  const onEmrPreview = (p: EmrPreview) => {
    setEmrPreview(p);
    if (!kept) setTemplate(p.suggested);
  };

  // A changed matching or choice makes an earlier pull stale: pull again before starting.
  useEffect(() => {
    setEmrCheck((c) => (c.phase === 'idle' ? c : IDLE_EMR_CHECK));
  }, [template, defaults]);

  const pullFromEmr = useCallback(async () => {
    if (!template) return;
    setEmrCheck({ phase: 'pulling', run: null, error: null });
    try {
      const created = await api<RunSummary>('/api/imports', {
        method: 'POST',
        body: { ...newRunBody(recordType, template, defaults, updateExisting), source: 'fhir' },
      });
      const run = await api<RunSummary>(`/api/imports/${encodeURIComponent(String(created.id))}/pull`, { method: 'POST', body: {} });
      setEmrCheck({ phase: 'ready', run, error: null });
    } catch (e) {
      setEmrCheck({ phase: 'failed', run: null, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }, [template, defaults, recordType, updateExisting]);

  const changeRecordType = (r: RecordType) => {
    if (r === recordType) return;
    clearFile();
    setRecordType(r);
    setTemplate(null);
    setLoaded(null);
    setKept(false);
  };

  const checkTemplate = useMemo(() => (template ? templateForCheck(template, defaults) : null), [template, defaults]);
  const signature = useMemo(
    () => (file && checkTemplate ? JSON.stringify([recordType, file.name, file.size, file.lastModified, checkTemplate]) : null),
    [recordType, file, checkTemplate],
  );

  // Entering the last step (or changing anything that affects the rows): check in the browser.
  useEffect(() => {
    if (step !== 3 || !file || !checkTemplate || signature === checkedSignature.current) return;
    checkedSignature.current = signature;
    const skip = formFields(checkTemplate);
    check.read(file, { recordType, template: checkTemplate, formFields: skip });
  }, [step, signature]); // eslint-disable-line react-hooks/exhaustive-deps

  // A server check belongs to one exact file + mapping: anything else needs a new one.
  useEffect(() => {
    if (server.run && sentSignature.current !== signature) {
      const stale = server.run;
      if (stale.status === 'draft' || stale.status === 'ready') {
        void api(`/api/imports/${encodeURIComponent(String(stale.id))}/cancel`, { method: 'POST', body: {} }).catch(() => undefined);
      }
      setServer(IDLE_SERVER_CHECK);
    }
  }, [signature]); // eslint-disable-line react-hooks/exhaustive-deps

  const sendToServer = useCallback(async () => {
    if (!file || !template) return;
    sentSignature.current = signature;
    setServer({ ...IDLE_SERVER_CHECK, phase: 'creating', total: file.size });
    try {
      const body = { ...newRunBody(recordType, template, defaults, updateExisting), fileName: file.name };
      const run = await api<RunSummary>('/api/imports', { method: 'POST', body });
      setServer((s) => ({ ...s, phase: 'uploading', run }));
      const checked = await uploadImportFile(run.id, file, (p) =>
        setServer((s) => ({ ...s, sent: p.sent, total: p.total, phase: p.sent >= p.total ? 'checking' : 'uploading' })),
      );
      setServer((s) => ({ ...s, phase: 'ready', run: checked }));
    } catch (e) {
      setServer((s) => ({ ...s, phase: 'failed', error: e instanceof Error ? e : new Error(String(e)) }));
    }
  }, [file, template, signature, recordType, defaults, updateExisting]);

  // The corrected cells make a new file (written in the browser), read and checked again like a
  // chosen file; the server checks it again when it is sent (it never trusts the browser).
  const applyCorrections = useCallback(async () => {
    if (!file || !template || corrections.count === 0) return;
    setApplying(true);
    try {
      const blob = await correctedCsv(file, corrections.byLine);
      const corrected = new File([blob], correctedFileName(file.name), { type: 'text/csv' });
      corrections.clear();
      setKept(true);
      setFile(corrected);
      scan.read(corrected, { recordType, template: templateForCheck(template, defaults), formFields: formFields(template) });
    } finally {
      setApplying(false);
    }
  }, [file, template, corrections, recordType, defaults, scan]);

  const downloadLinesToFix = useCallback(async () => {
    if (!file || !checkTemplate) return;
    setDownloading(true);
    try {
      const { blob } = await linesToFixCsv(file, { recordType, template: checkTemplate, formFields: formFields(checkTemplate) });
      downloadBlob(blob, linesToFixFileName(file.name));
    } finally {
      setDownloading(false);
    }
  }, [file, checkTemplate, recordType]);

  const start = useMutation({
    mutationFn: (runId: string | number) =>
      api<RunSummary>(`/api/imports/${encodeURIComponent(String(runId))}/start`, { method: 'POST', body: { updateExisting, moveBetweenDivisions } }),
    onSuccess: (run) => navigate(runPath(run.id)),
  });

  const blockers = template ? matchBlockers(recordType, template, defaults, source === 'emr' ? EMR_AUTOMATIC.fields : []) : [];
  const fileReady =
    file !== null && scan.state.header !== null && scan.state.preview !== null && template !== null &&
    scan.state.phase !== 'failed' && scan.state.rows <= MAX_ROWS && !(scan.state.phase === 'done' && scan.state.rows === 0);
  const emr = source === 'emr';
  const canNext = step === 0 || (step === 1 && (emr ? emrPreview !== null && template !== null : fileReady)) || (step === 2 && blockers.length === 0);
  const labels = emr ? EMR_STEP_LABELS : STEP_LABELS;
  // The columns and first rows "Match columns" shows: the EMR's preview, or the file's first lines.
  const matchSample = emr
    ? emrPreview && { header: emrPreview.columns, rows: emrPreview.rows }
    : scan.state.header && { header: scan.state.header, rows: (scan.state.preview ?? []).map((r) => r.cells) };

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        New import
      </Title>
      <Stepper
        active={step}
        onStepClick={(i) => i < step && setStep(i)}
        allowNextStepsSelect={false}
        size="sm"
        aria-label="Import steps"
      >
        {labels.map((label, i) => (
          <Stepper.Step key={label} label={label} aria-current={i === step ? 'step' : undefined} />
        ))}
      </Stepper>

      <section aria-label={labels[step]}>
        {step === 0 && <StepWhat recordType={recordType} onRecordType={changeRecordType} source={source} onSource={changeSource} />}
        {step === 1 && emr && <StepEmr preview={emrPreview} onPreview={onEmrPreview} />}
        {step === 3 && emr && (
          <StepEmrCheck
            recordType={recordType}
            updateExisting={updateExisting}
            check={emrCheck}
            onPull={() => void pullFromEmr()}
            onStart={() => emrCheck.run && start.mutate(emrCheck.run.id)}
            starting={start.isPending}
            startError={start.error}
            emailFallback={template?.options?.participantEmailFallback ?? 'provider'}
            onEmailFallback={(v) => template && setTemplate({ ...template, options: { ...template.options, participantEmailFallback: v } })}
            hasProvider={Boolean(defaults.provider || template?.fields.provider)}
          />
        )}
        {step === 1 && !emr && (
          <StepFile recordType={recordType} file={file} read={scan.state} onFile={chooseFile} onClear={clearFile} />
        )}
        {step === 2 && template && matchSample && (
          <StepMatch
            recordType={recordType}
            header={matchSample.header}
            sampleRows={matchSample.rows}
            template={template}
            onTemplate={(t) => {
              setTemplate(t);
              setKept(true);
            }}
            loaded={loaded}
            onLoaded={(l) => {
              setLoaded(l);
              if (l) setKept(true);
            }}
            defaults={defaults}
            onDefaults={setDefaults}
            updateExisting={updateExisting}
            onUpdateExisting={setUpdateExisting}
            automatic={emr ? EMR_AUTOMATIC : undefined}
          />
        )}
        {step === 3 && !emr && (
          <StepCheck
            recordType={recordType}
            fileRows={scan.state.rows}
            browser={check.state}
            server={server}
            onSend={() => void sendToServer()}
            onStart={() => server.run && start.mutate(server.run.id)}
            starting={start.isPending}
            moveBetweenDivisions={moveBetweenDivisions}
            onMoveBetweenDivisions={setMoveBetweenDivisions}
            startError={start.error}
            onChooseAgain={() => {
              clearFile();
              setStep(1);
            }}
            updateExisting={updateExisting}
            corrections={corrections.editor}
            correctionCount={corrections.count}
            onApplyCorrections={() => void applyCorrections()}
            applyingCorrections={applying}
            onDownloadLinesToFix={() => void downloadLinesToFix()}
            downloading={downloading}
          />
        )}
      </section>

      {step === 2 && blockers.length > 0 && (
        <Alert color="orange" title="Before the next step">
          <List size="sm">
            {blockers.map((b) => (
              <List.Item key={b}>{b}</List.Item>
            ))}
          </List>
        </Alert>
      )}

      <Group justify="space-between">
        <Button variant="default" onClick={() => setStep((s) => s - 1)} disabled={step === 0}>
          Back
        </Button>
        {step < 3 && (
          <Group gap="sm">
            {step === 1 && !emr && file && scan.state.phase === 'reading' && fileReady && (
              <Text size="sm" c="dimmed">
                You can go on while the file is still being read.
              </Text>
            )}
            <Button onClick={() => setStep((s) => s + 1)} disabled={!canNext}>
              Next
            </Button>
          </Group>
        )}
      </Group>
    </Stack>
  );
}
