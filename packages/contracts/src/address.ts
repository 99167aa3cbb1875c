/**
 * @module A delivery address: country as an ISO 3166-1 alpha-2 code (checked against the region
 * names Node's and the browser's ICU know), the postal code checked against the country's format
 * (postcode-validator's table; countries it has no format for accept any short code).
 */
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import * as z from 'zod/mini';

const line = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/**
 * Made on first use, not on import: the first Intl.DisplayNames loads ICU's region names (tens of
 * milliseconds on a phone), which the shop's checkout does after its first paint, not before it.
 */
let regionNamesMade: Intl.DisplayNames | undefined;
const regionNames = () => {
  regionNamesMade ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  return regionNamesMade;
};

/** Whether `code` is an assigned ISO 3166-1 alpha-2 country (not a grouping such as EU or UN). */
export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  return regionNames().of(code) !== code;
}
/** Codes ICU names that are not countries one can deliver to. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ']);

/** The country's name in English (for messages and the address shown to staff). */
export const countryName = (code: string): string => regionNames().of(code) ?? code;

/** Whether `postalCode` has the shape of the country's codes (any short code where none is known). */
export function isPostalCode(postalCode: string, country: string): boolean {
  if (!postcodeValidatorExistsForCountry(country)) return /^[A-Za-z0-9][A-Za-z0-9 -]{0,11}$/.test(postalCode);
  return postcodeValidator(postalCode, country);
}

/** `customer.address` of `POST /api/orders`: where the order is delivered (personal data: never logged). */
export const Address = z
  .object({
    line1: line(200),
    line2: z.optional(z.string().check(z.trim(), z.maxLength(200))),
    city: line(100),
    postalCode: z.string().check(z.trim(), z.toUpperCase(), z.minLength(1), z.maxLength(16)),
    region: z.optional(z.string().check(z.trim(), z.maxLength(100))),
    country: z
      .string()
      .check(
        z.trim(),
        z.toUpperCase(),
        z.refine(isCountryCode, 'an ISO 3166-1 alpha-2 country code such as DE'),
      ),
  })
  .check(
    z.refine(
      (address) => !isCountryCode(address.country) || isPostalCode(address.postalCode, address.country),
      {
        message: 'not a postal code of that country',
        path: ['postalCode'],
      },
    ),
  );
export type Address = z.infer<typeof Address>;
