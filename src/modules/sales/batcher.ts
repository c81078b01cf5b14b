export interface BatcherOptions<Request, Answer> {
  /**
   * Runs one group and answers each request, in order. All or nothing: when it throws, it must have
   * changed nothing (one statement outside a transaction is), so each request can be run again alone.
   */
  run: (group: Request[]) => Promise<Answer[]>;
  /** Requests sharing a key never run in one group, nor in two groups at once. */
  keys: (request: Request) => string[];
  /** Requests per group at most. */
  maxGroup: number;
  /** Groups running at once at most; the rest wait and form the next groups. */
  maxRunning: number;
}

interface Waiting<Request, Answer> {
  request: Request;
  keys: string[];
  resolve: (answer: Answer) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs concurrent requests in groups, one statement per group. While fewer than `maxRunning` groups
 * run, a request starts at once (a group of one: nothing waits at low load); otherwise it waits,
 * and the requests that arrived meanwhile leave together when a group ends. Under a rush the cost
 * of a statement (a round trip, a plan, a commit with its WAL flush) is shared by many requests,
 * the way PostgreSQL's own group commit shares a flush.
 *
 * Requests that must see each other's effect (the same booking, the same seat) are kept apart by
 * their keys: such a request waits until the one holding its key has finished.
 */
export class Batcher<Request, Answer> {
  private readonly options: BatcherOptions<Request, Answer>;
  private readonly waiting: Waiting<Request, Answer>[] = [];
  private readonly busyKeys = new Set<string>();
  private running = 0;

  constructor(options: BatcherOptions<Request, Answer>) {
    this.options = options;
  }

  submit(request: Request): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ request, keys: this.options.keys(request), resolve, reject });
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.running < this.options.maxRunning) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      this.running++;
      void this.runGroup(group).finally(() => {
        this.running--;
        for (const member of group) for (const key of member.keys) this.busyKeys.delete(key);
        this.startGroups();
      });
    }
  }

  /** The longest-waiting requests whose keys are free, up to maxGroup; their keys become busy. */
  private takeGroup(): Waiting<Request, Answer>[] {
    const group: Waiting<Request, Answer>[] = [];
    let kept = 0;
    for (const member of this.waiting) {
      if (group.length < this.options.maxGroup && member.keys.every((key) => !this.busyKeys.has(key))) {
        for (const key of member.keys) this.busyKeys.add(key);
        group.push(member);
      } else {
        this.waiting[kept++] = member;
      }
    }
    this.waiting.length = kept;
    return group;
  }

  private async runGroup(group: Waiting<Request, Answer>[]): Promise<void> {
    try {
      const answers = await this.options.run(group.map((member) => member.request));
      group.forEach((member, index) => member.resolve(answers[index] as Answer));
    } catch (error) {
      const [only] = group;
      if (only && group.length === 1) {
        only.reject(error);
        return;
      }
      // One request may be the cause (or a deadlock with another process's group): each alone,
      // so the others still get their answers and only the cause sees the error. One after
      // another, so a failing group never runs more statements at once than it did.
      for (const member of group) {
        try {
          const [answer] = await this.options.run([member.request]);
          member.resolve(answer as Answer);
        } catch (alone) {
          member.reject(alone);
        }
      }
    }
  }
}
