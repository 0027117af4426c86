import { ApiProperty } from '@nestjs/swagger';
import {
  ApiKeyEntity,
  CompanyEntity,
  COUNTRIES,
  REGION_CODES,
  ROLES,
  SiteEntity,
  UserEntity,
} from '@symbiose/domain';
import { PageMeta } from './common.dto';

/*
 * Response shapes. Each is built field by field from an entity (never by spreading one), so a
 * column added later — or a password or key hash — cannot leak into a response by accident.
 */

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'officer@example.com' }) email: string;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Officers only' })
  companyId: string | null;
  @ApiProperty({ enum: REGION_CODES, nullable: true, type: String, description: 'Province users only' })
  region: string | null;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;

  static from(user: UserEntity): UserResponse {
    return {
      id: user.id,
      email: user.email,
      role: user.role,
      companyId: user.companyId,
      region: user.region,
      disabled: user.disabledAt !== null,
      disabledAt: user.disabledAt,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
  }
}

export class MeResponse extends UserResponse {
  @ApiProperty({ enum: ['jwt', 'api_key'], description: 'How this request was authenticated' })
  authenticatedVia: 'jwt' | 'api_key';
}

export class LoginResponse {
  @ApiProperty({ description: 'HS256 JWT; send as `Authorization: Bearer <token>`' }) accessToken: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires' }) expiresIn: number;
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

export class CompanyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'North Sea Chemicals NV' }) name: string;
  @ApiProperty({ enum: COUNTRIES }) country: string;
  @ApiProperty({ example: '0403170701', description: 'KBO/BCE (BE) or KvK (NL) number, digits only' })
  registrationNumber: string;
  @ApiProperty({ example: '20.14', description: 'NACE Rev. 2 code' }) naceCode: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;

  static from(company: CompanyEntity): CompanyResponse {
    return {
      id: company.id,
      name: company.name,
      country: company.country,
      registrationNumber: company.registrationNumber,
      naceCode: company.naceCode,
      createdAt: company.createdAt,
      updatedAt: company.updatedAt,
    };
  }
}

export class SiteResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ example: 'Ghent plant' }) name: string;
  @ApiProperty({ example: 51.1, minimum: -90, maximum: 90 }) latitude: number;
  @ApiProperty({ example: 3.77, minimum: -180, maximum: 180 }) longitude: number;
  @ApiProperty({ enum: REGION_CODES, description: 'ISO 3166-2 region' }) region: string;
  @ApiProperty({ enum: COUNTRIES, description: 'Fixed by the region' }) country: string;
  @ApiProperty({ example: 'Gent' }) municipality: string;
  @ApiProperty() hasQuay: boolean;
  @ApiProperty() hasRail: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;

  static from(site: SiteEntity): SiteResponse {
    return {
      id: site.id,
      companyId: site.companyId,
      name: site.name,
      latitude: site.latitude,
      longitude: site.longitude,
      region: site.region,
      country: site.country,
      municipality: site.municipality,
      hasQuay: site.hasQuay,
      hasRail: site.hasRail,
      createdAt: site.createdAt,
      updatedAt: site.updatedAt,
    };
  }
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Power BI refresh' }) name: string;
  @ApiProperty({ example: 'A1b2C3d4E5f6', description: 'Visible part of the key (sym_<prefix>_…)' })
  prefix: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: Date | null;

  static from(key: ApiKeyEntity): ApiKeyResponse {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      active: key.revokedAt === null,
      createdAt: key.createdAt,
      lastUsedAt: key.lastUsedAt,
      revokedAt: key.revokedAt,
    };
  }
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    example: 'sym_A1b2C3d4E5f6_…',
    description: 'The full key, shown only in this response: send it as `X-Api-Key`',
  })
  key: string;
}

export class UserPage extends PageMeta {
  @ApiProperty({ type: [UserResponse] }) items: UserResponse[];
}

export class CompanyPage extends PageMeta {
  @ApiProperty({ type: [CompanyResponse] }) items: CompanyResponse[];
}

export class SitePage extends PageMeta {
  @ApiProperty({ type: [SiteResponse] }) items: SiteResponse[];
}

export class ApiKeyPage extends PageMeta {
  @ApiProperty({ type: [ApiKeyResponse] }) items: ApiKeyResponse[];
}
