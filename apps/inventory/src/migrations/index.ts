import { CreateStock1764000000000 } from './1764000000000-create-stock';
import { CreateReservations1764000000002 } from './1764000000002-create-reservations';
import { CommitReservations1764000000011 } from './1764000000011-commit-reservations';

export const inventoryMigrations = [
  CreateStock1764000000000,
  CreateReservations1764000000002,
  CommitReservations1764000000011,
];
