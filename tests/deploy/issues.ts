/** @module zod issues as one readable line each (zod/mini carries no message locale). */
import type * as z from 'zod/mini';

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field ${issue.keys.join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}${issue.input === undefined ? ', missing' : ''}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'too_small':
      return `must be at least ${issue.minimum}`;
    case 'invalid_format':
      return `must be ${issue.format === 'regex' ? issue.message : issue.format}`;
    default:
      return issue.message;
  }
}

export const formatIssues = (file: string, error: z.core.$ZodError): string[] =>
  error.issues.map((issue) => `${file} ${issue.path.join('.') || '(root)'}: ${describe(issue)}`);
