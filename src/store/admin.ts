import type { Colour } from '../core/admin.js';
import { prepared } from './statements.js';
import type { Db } from './db.js';
import type { AdminState } from './port.js';

/** The admin instance's live colour and the image it runs, as the last swap (or start) left them. */
export interface AdminLive {
  colour: Colour;
  image: string;
  updatedAt: number;
}

interface Raw {
  live: Colour;
  image: string;
  updated_at: number;
}

/** One row (id 1) in the same database as the tenants: a swap switches it in one write. */
export class AdminStore implements AdminState {
  constructor(private readonly db: Db) {}

  live(): AdminLive | undefined {
    const r = prepared(this.db, 'SELECT live, image, updated_at FROM admin WHERE id = 1').get() as Raw | undefined;
    return r && { colour: r.live, image: r.image, updatedAt: r.updated_at };
  }

  setLive(colour: Colour, image: string, now: number): void {
    prepared(this.db, 'INSERT INTO admin (id, live, image, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET live = excluded.live, image = excluded.image, updated_at = excluded.updated_at')
      .run(colour, image, now);
  }
}
