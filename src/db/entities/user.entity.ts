import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { Role } from './types';

@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'text' }) email!: string;
  @Property({ type: 'text' }) role!: Role;
  @Property({ type: 'text' }) timeZone!: string;
  @Property({ type: 'Date' }) createdAt!: Date;
  @Property({ type: 'Date' }) updatedAt!: Date;
}
