import type { Principal } from '../../platform/http/access.ts';
import { extraNotFound, notOnStudioTeam } from './rentals.errors.ts';
import { archiveExtra, findActiveExtra, updateExtra, type ExtraRow, type RentalsDb } from './rentals.repository.ts';
import { extraView, type ExtraInput, type HallsService } from './halls.service.ts';

/**
 * Changing and archiving a studio's extras. An extra is never deleted: rentals made with it keep
 * pointing at it (their line, amount and its share of the stock). Archived, it is offered no
 * more — not listed, not quotable, not bookable — while the live rentals that have it keep it
 * (docs/decisions/0021-extras-are-archived-not-deleted.md).
 */
export class ExtrasService {
  private readonly db: RentalsDb;
  private readonly halls: HallsService;

  constructor(db: RentalsDb, halls: HallsService) {
    this.db = db;
    this.halls = halls;
  }

  /** An offered extra of a studio the principal manages; a stranger's 403 is asked only once the extra exists. */
  private async manageable(principal: Principal, extraId: number): Promise<ExtraRow> {
    const extra = await findActiveExtra(this.db, extraId);
    if (!extra) throw extraNotFound(extraId);
    if (!(await this.halls.isStudioManager(principal, extra.organizer_id))) throw notOnStudioTeam();
    return extra;
  }

  /** New price, stock or words; rentals already made keep what they were priced at. */
  async update(principal: Principal, extraId: number, input: Partial<ExtraInput>) {
    await this.manageable(principal, extraId);
    const row = await updateExtra(this.db, extraId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.pricing !== undefined ? { pricing: input.pricing } : {}),
      ...(input.price !== undefined ? { price: input.price } : {}),
      ...(input.currency !== undefined ? { currency: input.currency } : {}),
      ...(input.stock !== undefined ? { stock: input.stock } : {}),
    });
    if (!row) throw extraNotFound(extraId);
    return extraView(row);
  }

  /** Offered no more; the live rentals that have it keep it. */
  async archive(principal: Principal, extraId: number): Promise<void> {
    await this.manageable(principal, extraId);
    if (!(await archiveExtra(this.db, extraId))) throw extraNotFound(extraId);
  }
}
