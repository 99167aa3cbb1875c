/** @module Dates and times as shoppers read them, in their locale. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** A moment soon: the time alone when it is today ("14:05"), else the date too. */
export function formatDeadline(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === now.toDateString() ? timeOfDay.format(date) : dateTime.format(date);
}
