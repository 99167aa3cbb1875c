/**
 * @module Staff role bindings: which role each person has, kept by web in its own Firestore database
 * (collection `staff`). web owns them because it is where people sign in and where a manager changes
 * a role; the identity provider says who a person is, not what they may do here. A fresh install
 * has no bindings: `STAFF_BOOTSTRAP_ROLES` names the first ones (by email or subject), applied once
 * when that person first signs in; after that the stored binding is the truth.
 */
import { createHash } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { type Actor, type StaffMember, StaffRole } from '@stockflow/contracts';
import type { StaffPerson } from './session.ts';

/** A person known to web, with their role (null: signed in, no role yet): the contract's body. */
export type { StaffMember };

export const STAFF_COLLECTION = 'staff';

/** `STAFF_BOOTSTRAP_ROLES`: `alice@example.com=manager,bob@example.com=clerk`. */
export function parseBootstrapRoles(text: string | undefined): Map<string, StaffRole> {
  const roles = new Map<string, StaffRole>();
  for (const entry of (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const who = entry.slice(0, at).trim().toLowerCase();
    const role = StaffRole.safeParse(entry.slice(at + 1).trim());
    if (at <= 0 || !who || !role.success)
      throw new Error(`STAFF_BOOTSTRAP_ROLES: bad entry "${entry}" (who=viewer|clerk|manager)`);
    roles.set(who, role.data);
  }
  return roles;
}

/** A document id for a subject (subjects may hold `/` and other characters ids cannot). */
export const staffId = (subject: string) =>
  createHash('sha256').update(subject).digest('base64url').slice(0, 32);

/** How long a role is trusted from memory before it is read again (a change shows within this). */
const CACHE_MS = 5_000;

export class RoleBindings {
  readonly #cache = new Map<string, { member: StaffMember; until: number }>();

  constructor(
    private readonly db: () => Promise<Firestore>,
    private readonly bootstrap: Map<string, StaffRole>,
  ) {}

  /** The member for a signed-in person, recorded (with any bootstrap role) the first time. */
  async signedIn(person: StaffPerson): Promise<StaffMember> {
    const id = staffId(person.subject);
    const cached = this.#cache.get(id);
    if (cached && cached.until > Date.now()) return cached.member;
    const db = await this.db();
    const ref = db.collection(STAFF_COLLECTION).doc(id);
    const member = await db.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      const now = new Date().toISOString();
      const stored = snapshot.exists ? (snapshot.data() as Omit<StaffMember, 'id'>) : undefined;
      const next: Omit<StaffMember, 'id'> = stored
        ? { ...stored, name: person.name, ...(person.email ? { email: person.email } : {}), lastSeenAt: now }
        : {
            ...person,
            role: this.#bootstrapRole(person),
            firstSeenAt: now,
            lastSeenAt: now,
          };
      // Recording every request's visit would be a write per request: once a minute is enough.
      if (!stored || Date.parse(stored.lastSeenAt) < Date.now() - 60_000 || stored.name !== person.name) {
        tx.set(ref, next);
      }
      return { id, ...next };
    });
    this.#cache.set(id, { member, until: Date.now() + CACHE_MS });
    return member;
  }

  #bootstrapRole(person: StaffPerson): StaffRole | null {
    return (
      (person.email && this.bootstrap.get(person.email.toLowerCase())) ||
      this.bootstrap.get(person.subject.toLowerCase()) ||
      null
    );
  }

  async list(): Promise<StaffMember[]> {
    const db = await this.db();
    const snapshot = await db.collection(STAFF_COLLECTION).orderBy('name').limit(500).get();
    return snapshot.docs.map((doc) => ({ id: doc.id, ...(doc.data() as Omit<StaffMember, 'id'>) }));
  }

  /** Sets a member's role (null: none); undefined when there is no such member. */
  async setRole(id: string, role: StaffRole | null, by: Actor): Promise<StaffMember | undefined> {
    const db = await this.db();
    const ref = db.collection(STAFF_COLLECTION).doc(id);
    const member = await db.runTransaction(async (tx) => {
      const snapshot = await tx.get(ref);
      if (!snapshot.exists) return undefined;
      const next = {
        ...(snapshot.data() as Omit<StaffMember, 'id'>),
        role,
        roleSetBy: by,
        roleSetAt: new Date().toISOString(),
      };
      tx.set(ref, next);
      return { id, ...next };
    });
    this.#cache.delete(id);
    return member;
  }
}
