/** The answer of an EVC rule: yes, or no with a reason a person can act on (and details for a program). */
export type Refusal<Details = unknown> = { ok: false; reason: string } & Details;
export type Verdict<Details = unknown> = { ok: true } | Refusal<Details>;
