import { Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Sql, sqlFor } from './sql.js';

/** Provides `Sql` (see sql.ts) to every repository, once TypeORM has connected and migrated. */
@Global()
@Module({
  providers: [{ provide: Sql, inject: [getDataSourceToken(), APP_CONFIG], useFactory: (dataSource: DataSource, config: AppConfig) => sqlFor(dataSource, !config.databaseUrl) }],
  exports: [Sql],
})
export class DatabaseModule {}
