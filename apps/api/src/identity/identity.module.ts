import { Module } from '@nestjs/common';
import { IdentityDomainModule } from '@symbiose/domain';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CompaniesController } from './companies.controller';
import { SitesController } from './sites.controller';
import { UsersController } from './users.controller';

/** HTTP for identity and tenancy: login, the caller, API keys, users, companies and sites. */
@Module({
  imports: [IdentityDomainModule],
  controllers: [AuthController, ApiKeysController, UsersController, CompaniesController, SitesController],
  providers: [AuthService],
})
export class IdentityModule {}
