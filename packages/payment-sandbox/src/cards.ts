/** @module The sandbox's test cards: the number a shopper types decides what the payment does. */

/** What paying with a test card leads to. */
export type CardBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; code: DeclineCode }
  /** 3-D Secure style: the bank asks the shopper to confirm before the payment is decided. */
  | { kind: 'confirm' }
  /** Approved, but the webhook leaves only after the sandbox's `slowMs`. */
  | { kind: 'slow' }
  /** Approved; the first refund call for the payment answers 503. */
  | { kind: 'refund-fails-once' };

export type DeclineCode = 'card_declined' | 'insufficient_funds' | 'authentication_failed';

/** What a declined payment's webhook (and the hosted page) says, by code. */
export const DECLINE_MESSAGES: Record<DeclineCode, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  authentication_failed: 'Your bank could not confirm this payment.',
};

export interface TestCard {
  /** As printed on a card: four groups of four digits. */
  number: string;
  /** One short phrase: what paying with it does (the README's table and `npm start`'s line). */
  outcome: string;
  behaviour: CardBehaviour;
}

/** Every test card, in the order the docs list them. */
export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242 4242 4242 4242', outcome: 'approved', behaviour: { kind: 'approve' } },
  {
    number: '4000 0000 0000 0002',
    outcome: 'declined (card_declined)',
    behaviour: { kind: 'decline', code: 'card_declined' },
  },
  {
    number: '4000 0000 0000 9995',
    outcome: 'declined (insufficient_funds)',
    behaviour: { kind: 'decline', code: 'insufficient_funds' },
  },
  {
    number: '4000 0027 6000 3184',
    outcome: 'confirm with the bank (3-D Secure style)',
    behaviour: { kind: 'confirm' },
  },
  { number: '4000 0000 0000 0259', outcome: 'approved, slow webhook', behaviour: { kind: 'slow' } },
  {
    number: '4000 0000 0000 5126',
    outcome: 'approved, first refund fails (503)',
    behaviour: { kind: 'refund-fails-once' },
  },
];

/** The digits of a card number as typed: spaces (and dashes) ignored. */
export const cardDigits = (typed: string) => typed.replace(/[\s-]/g, '');

/** What the typed number does, or undefined when it is not a test card. */
export function cardBehaviour(typed: string): CardBehaviour | undefined {
  const digits = cardDigits(typed);
  return TEST_CARDS.find((card) => cardDigits(card.number) === digits)?.behaviour;
}

/** The test cards on one line, as `npm start` prints them. */
export const testCardsLine = () => TEST_CARDS.map((card) => `${card.number} ${card.outcome}`).join(' · ');
