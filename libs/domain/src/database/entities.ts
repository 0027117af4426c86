import { ApiKeyEntity } from '../identity/api-key.entity';
import { CompanyEntity } from '../identity/company.entity';
import { SiteEntity } from '../identity/site.entity';
import { UserEntity } from '../identity/user.entity';
import { StreamEntity } from '../streams/stream.entity';

/** Every entity, listed once for the app and the migration CLI. */
export const ALL_ENTITIES = [CompanyEntity, SiteEntity, UserEntity, ApiKeyEntity, StreamEntity];
