import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@symbiose/core';
import { createDataSource } from './data-source';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createDataSource(config).options,
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('No DataSource options');
        const { DataSource } = await import('typeorm');
        return new DataSource(options).initialize();
      },
    }),
  ],
})
export class DatabaseModule {}
