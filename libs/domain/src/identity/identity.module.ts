import { Module } from '@nestjs/common';
import { ApiKeysService } from './api-keys.service';
import { CompaniesService } from './companies.service';
import { ApiKeyRepository, CompanyRepository, SiteRepository, UserRepository } from './identity.repositories';
import { LoginThrottle } from './login-throttle';
import { SiteChangeHooks } from './site-change-hooks';
import { SitesService } from './sites.service';
import { UsersService } from './users.service';

/**
 * Companies, sites, users and API keys: repositories (tenant-scoped) and services (role rules).
 * Needs the global TypeORM DataSource (DatabaseModule) and APP_CONFIG (ConfigModule).
 */
@Module({
  providers: [
    CompanyRepository,
    SiteRepository,
    UserRepository,
    ApiKeyRepository,
    CompaniesService,
    SitesService,
    UsersService,
    ApiKeysService,
    LoginThrottle,
    SiteChangeHooks,
  ],
  exports: [
    CompanyRepository,
    SiteRepository,
    UserRepository,
    ApiKeyRepository,
    CompaniesService,
    SitesService,
    UsersService,
    ApiKeysService,
    LoginThrottle,
    SiteChangeHooks,
  ],
})
export class IdentityDomainModule {}
