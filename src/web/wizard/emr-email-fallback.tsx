import { Select, Stack, Text, TextInput } from '@mantine/core';

/**
 * The EMR pull's choice for patients with no e-mail in the EMR (mapping option
 * `participantEmailFallback`, docs/mapping-format.md "Patients without an e-mail"): OnCall
 * requires a participant e-mail, so the participant gets the provider's address (the default),
 * an address typed here, or the appointment is left out.
 */
const CHOICES = [
  { value: 'provider', label: 'Use the provider’s address' },
  { value: 'address', label: 'Use this address' },
  { value: 'none', label: 'Leave the appointment out' },
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when the option can be sent: "provider", "none" or an e-mail address (the server checks again). */
export function emailFallbackIsValid(value: string): boolean {
  return value === 'provider' || value === 'none' || EMAIL.test(value);
}

interface Props {
  /** The option: "provider", "none" or an address ('' while one is being typed). */
  value: string;
  onChange: (value: string) => void;
  /** A provider is chosen for the whole import, or matched to a field. */
  hasProvider: boolean;
  disabled?: boolean;
}

export function EmrEmailFallback({ value, onChange, hasProvider, disabled }: Props) {
  const choice = value === 'provider' || value === 'none' ? value : 'address';
  const hint =
    choice === 'provider'
      ? hasProvider
        ? 'OnCall needs an e-mail for each patient. The provider receives the messages for these patients and can pass them on.'
        : 'No provider is chosen for this import: choose one in the matching step, or these appointments are left out.'
      : choice === 'address'
        ? 'OnCall needs an e-mail for each patient. This address receives the messages for these patients.'
        : 'These appointments are left out, and the check lists them.';
  return (
    <Stack gap={4}>
      <Select
        label="When a patient has no e-mail"
        data={CHOICES}
        value={choice}
        allowDeselect={false}
        disabled={disabled}
        onChange={(v) => onChange(v === 'address' ? '' : (v ?? 'provider'))}
      />
      {choice === 'address' && (
        <TextInput
          label="Address to use"
          type="email"
          placeholder="frontdesk@clinic.example"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.currentTarget.value.trim())}
          error={value !== '' && !EMAIL.test(value) ? 'Enter an e-mail address' : undefined}
        />
      )}
      <Text size="xs" c="dimmed" data-testid="emr-email-fallback-hint">
        {hint}
      </Text>
    </Stack>
  );
}
