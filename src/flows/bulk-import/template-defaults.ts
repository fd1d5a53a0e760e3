import type { MappingTemplate } from './mapping/template.js';
import type { RunOptions } from './run-options.js';

/**
 * The division and provider chosen once for a whole file (wizard lists, CLI --division /
 * --provider) become constants of the fields the mapping leaves unmapped, so validation and
 * sending see the same record. A mapped column still wins.
 */
export function withRunDefaults(template: MappingTemplate, defaults: RunOptions['defaults']): MappingTemplate {
  const fields = { ...template.fields };
  for (const key of ['division', 'provider'] as const) {
    const value = defaults[key];
    if (value && !fields[key]) fields[key] = { constant: value };
  }
  return { ...template, fields };
}
