/**
 * @module The countries a shopper may deliver to, named in their language: every ISO 3166-1
 * alpha-2 code the contracts accept (ICU's region names, so no list of our own to keep up to date).
 */
import { isCountryCode } from '@stockflow/contracts';

export interface Country {
  code: string;
  name: string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Whether `code` is in use today: ICU still names retired codes (DD, SU, YU), which it maps to their successors. */
const isCurrent = (code: string) => new Intl.Locale(`und-${code}`).region === code;

/** A country's name in the shopper's language ("Deutschland" for DE in German). */
export function countryLabel(code: string, locale: string | undefined = navigator.language): string {
  const names = new Intl.DisplayNames(locale ? [locale, 'en'] : ['en'], { type: 'region', fallback: 'code' });
  return names.of(code) ?? code;
}

/** Every country, by its name in `locale` (the browser's by default). */
export function countries(locale: string | undefined = navigator.language): Country[] {
  const names = new Intl.DisplayNames(locale ? [locale, 'en'] : ['en'], { type: 'region', fallback: 'code' });
  const list: Country[] = [];
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      const code = first + second;
      if (isCountryCode(code) && isCurrent(code)) list.push({ code, name: names.of(code) ?? code });
    }
  }
  const collator = new Intl.Collator(locale);
  return list.sort((a, b) => collator.compare(a.name, b.name));
}

/** The browser locale's region when it is a country one can deliver to ("de-AT" → AT), else ''. */
export function defaultCountry(locale: string | undefined = navigator.language): string {
  try {
    const region = locale ? new Intl.Locale(locale).maximize().region : undefined;
    return region && isCountryCode(region) && isCurrent(region) ? region : '';
  } catch {
    return '';
  }
}
