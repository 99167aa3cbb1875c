/**
 * @module Money as the API has it (integer cents of an ISO 4217 currency), shown and entered in the
 * shopper's locale with `Intl.NumberFormat`.
 */

const formats = new Map<string, Intl.NumberFormat>();

function currencyFormat(currency: string): Intl.NumberFormat {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formats.set(currency, format);
  }
  return format;
}

/** Minor units of a currency: 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  return currencyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `formatMoney(1250, 'EUR')` is "€12.50" in en-US, "12,50 €" in de-DE. */
export function formatMoney(cents: number, currency: string): string {
  return currencyFormat(currency).format(cents / 10 ** minorDigits(currency));
}

/** The amount a manager typed ("12.5", "12,50", "1 200") in minor units, or undefined if it is not one. */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const normalised = text
    .trim()
    .replace(/[\s\u00a0']/g, '')
    .replace(',', '.');
  const pattern = digits > 0 ? new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`) : /^\d+$/;
  if (!pattern.test(normalised)) return undefined;
  const [whole, fraction = ''] = normalised.split('.');
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

/** Minor units as the text of a price input ("12.50"). */
export function moneyInput(cents: number, currency: string): string {
  const digits = minorDigits(currency);
  return (cents / 10 ** digits).toFixed(digits);
}
