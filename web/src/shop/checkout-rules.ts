/**
 * @module Checkout's rules for the delivery address: checked with the contracts' own `Address`
 * schema (so the shop and orders agree on what is valid), each problem worded for the shopper; and
 * the countries to choose from. Its own chunk: with zod and every country's postal-code pattern it
 * is a third of the checkout's code, and the form paints without it (CheckoutPage.tsx fetches it as
 * the shopper starts on the form).
 */
import { Address, isCountryCode, isPostalCode } from '@stockflow/contracts';
import { countryLabel } from '../lib/countries.ts';

export { countries, defaultCountry } from '../lib/countries.ts';

export type AddressField = 'line1' | 'line2' | 'city' | 'postalCode' | 'region' | 'country';
export type CheckoutField = 'name' | 'email' | AddressField;
export type Errors = Partial<Record<CheckoutField, string>>;
export type CheckoutForm = Record<CheckoutField, string>;

const ADDRESS_FIELDS: AddressField[] = ['line1', 'line2', 'city', 'postalCode', 'region', 'country'];

const REQUIRED: Partial<Record<CheckoutField, string>> = {
  line1: 'Enter the street and house number.',
  city: 'Enter the town or city.',
  postalCode: 'Enter the postal code.',
  country: 'Choose the country.',
};

/** The address as `customer.address` of `POST /api/orders`: blank optional lines left out. */
export function addressOf(form: CheckoutForm): Record<string, string> {
  const address: Record<string, string> = {};
  for (const field of ADDRESS_FIELDS) {
    const value = form[field].trim();
    if (value) address[field] = value;
  }
  return address;
}

/** The address checked by the contracts' schema, each problem worded for the shopper. */
export function validateAddress(form: CheckoutForm): Errors {
  const errors: Errors = {};
  const result = Address.safeParse(addressOf(form));
  if (result.success) return errors;
  // The schema checks the postal code against the country only once every line is valid: ask at once.
  const postalCode = form.postalCode.trim().toUpperCase();
  if (postalCode && isCountryCode(form.country) && !isPostalCode(postalCode, form.country)) {
    errors.postalCode = `Enter a postal code as used in ${countryLabel(form.country)}.`;
  }
  for (const issue of result.error.issues) {
    const field = issue.path[0] as AddressField;
    if (errors[field]) continue;
    if (!form[field]?.trim() && REQUIRED[field]) errors[field] = REQUIRED[field];
    else if (issue.code === 'too_big') errors[field] = `Use at most ${String(issue.maximum)} characters.`;
    else if (field === 'postalCode')
      errors[field] = `Enter a postal code as used in ${countryLabel(form.country)}.`;
    else if (field === 'country') errors[field] = REQUIRED.country;
    else errors[field] = issue.message;
  }
  return errors;
}

/** The address as orders takes it (parsed by the same schema; call once `validateAddress` is clean). */
export const parseAddress = (form: CheckoutForm): Address => Address.parse(addressOf(form));
