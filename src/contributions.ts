/**
 * What feature modules contribute to one another and to the cross-cutting layers (hooks such as member removal,
 * audit target rules, node types): each kind is a typed key, owned by the layer or module that runs the
 * contributions; the modules' `index.ts` export theirs, and `src/modules.ts` collects them all in one place.
 */
export class ContributionKind<T> {
  /** Only carries `T`, so `of(kind)` is typed. */
  declare private readonly item: T;

  constructor(readonly name: string) {}
}

export interface Contribution<T> {
  readonly kind: ContributionKind<T>;
  readonly items: readonly T[];
}

export function contribute<T>(kind: ContributionKind<T>, ...items: T[]): Contribution<T> {
  return { kind, items };
}

export class Contributions {
  private readonly byKind = new Map<ContributionKind<unknown>, unknown[]>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list mixes kinds; `of` restores each item type
  constructor(contributions: ReadonlyArray<Contribution<any>>) {
    for (const { kind, items } of contributions) {
      const known = this.byKind.get(kind) ?? [];
      known.push(...items);
      this.byKind.set(kind, known);
    }
  }

  of<T>(kind: ContributionKind<T>): readonly T[] {
    return (this.byKind.get(kind) as T[] | undefined) ?? [];
  }
}
