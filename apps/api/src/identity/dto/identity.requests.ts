import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  COUNTRIES,
  Country,
  CreateUserInput,
  NACE_CODE_PATTERN,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  REGION_CODES,
  Role,
  ROLES,
  SiteInput,
  UpdateUserInput,
} from '@symbiose/domain';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery } from './common.dto';
import { IsUuidText, OptionalNotNull, OptionalNullable, SingleLineText, TrimLower } from './validation';

const EMAIL = () => [
  TrimLower(),
  IsEmail({}, { message: 'must be an e-mail address' }),
  MaxLength(254, { message: 'must be at most 254 characters long' }),
];
const apply = (...decorators: PropertyDecorator[]) => applyDecorators(...decorators);
const NEW_PASSWORD = () =>
  apply(
    IsString({ message: 'must be a string' }),
    Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
      message: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
    }),
  );
const ROLE = () => IsIn(ROLES, { message: `must be one of ${ROLES.join(', ')}` });
const REGION = () =>
  IsIn(REGION_CODES, { message: `must be an ISO 3166-2 region: ${REGION_CODES.join(', ')}` });
const COUNTRY = () => IsIn(COUNTRIES, { message: `must be one of ${COUNTRIES.join(', ')}` });
const FINITE = { allowNaN: false, allowInfinity: false };

// ---- auth ----------------------------------------------------------------------------------------

export class LoginRequest {
  @ApiProperty({ example: 'admin@symbiose.local' })
  @apply(...EMAIL())
  email: string;

  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH })
  @IsString({ message: 'must be a string' })
  @Length(1, PASSWORD_MAX_LENGTH, { message: `must be 1 to ${PASSWORD_MAX_LENGTH} characters long` })
  password: string;
}

export class ChangePasswordRequest {
  @ApiProperty()
  @IsString({ message: 'must be a string' })
  @Length(1, PASSWORD_MAX_LENGTH, { message: `must be 1 to ${PASSWORD_MAX_LENGTH} characters long` })
  currentPassword: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @NEW_PASSWORD()
  newPassword: string;
}

// ---- users ---------------------------------------------------------------------------------------

export class CreateUserRequest implements CreateUserInput {
  @ApiProperty({ example: 'officer@example.com', maxLength: 254 })
  @apply(...EMAIL())
  email: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @NEW_PASSWORD()
  password: string;

  @ApiProperty({ enum: ROLES, description: 'Coordinators may only create officers' })
  @ROLE()
  role: Role;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for officers, forbidden otherwise' })
  @OptionalNullable()
  @IsUuidText()
  companyId?: string | null;

  @ApiPropertyOptional({
    enum: REGION_CODES,
    description: 'Required for province users, forbidden otherwise',
  })
  @OptionalNullable()
  @REGION()
  region?: string | null;
}

export class UpdateUserRequest implements UpdateUserInput {
  @ApiPropertyOptional({ maxLength: 254 })
  @OptionalNotNull()
  @apply(...EMAIL())
  email?: string;

  @ApiPropertyOptional({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @OptionalNotNull()
  @NEW_PASSWORD()
  password?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @OptionalNotNull()
  @ROLE()
  role?: Role;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String })
  @OptionalNullable()
  @IsUuidText()
  companyId?: string | null;

  @ApiPropertyOptional({ enum: REGION_CODES, nullable: true, type: String })
  @OptionalNullable()
  @REGION()
  region?: string | null;

  @ApiPropertyOptional({ description: 'true stops the user’s tokens and API keys at once' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  disabled?: boolean;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @ROLE()
  role?: Role;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUuidText()
  companyId?: string;
}

// ---- companies -----------------------------------------------------------------------------------

export class CreateCompanyRequest {
  @ApiProperty({ example: 'North Sea Chemicals NV', minLength: 1, maxLength: 200 })
  @SingleLineText(1, 200)
  name: string;

  @ApiProperty({ enum: COUNTRIES })
  @COUNTRY()
  country: Country;

  @ApiProperty({
    example: '0403.170.701',
    description:
      'BE: enterprise number (10 digits, mod-97 check; dots and spaces allowed); NL: KvK (8 digits)',
  })
  @SingleLineText(8, 20)
  registrationNumber: string;

  @ApiProperty({ example: '20.14', description: 'NACE Rev. 2: division, group or class' })
  @IsString({ message: 'must be a string' })
  @Matches(NACE_CODE_PATTERN, { message: 'must be a NACE Rev. 2 code such as 20 or 20.1 or 20.14' })
  naceCode: string;
}

export class UpdateCompanyRequest {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @OptionalNotNull()
  @SingleLineText(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: COUNTRIES })
  @OptionalNotNull()
  @COUNTRY()
  country?: Country;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @SingleLineText(8, 20)
  registrationNumber?: string;

  @ApiPropertyOptional({ example: '20.14' })
  @OptionalNotNull()
  @IsString({ message: 'must be a string' })
  @Matches(NACE_CODE_PATTERN, { message: 'must be a NACE Rev. 2 code such as 20 or 20.1 or 20.14' })
  naceCode?: string;
}

export class ListCompaniesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: COUNTRIES })
  @IsOptional()
  @COUNTRY()
  country?: Country;
}

// ---- sites ---------------------------------------------------------------------------------------

export class CreateSiteRequest implements SiteInput {
  @ApiProperty({ example: 'Ghent plant', minLength: 1, maxLength: 200 })
  @SingleLineText(1, 200)
  name: string;

  @ApiProperty({ example: 51.1, minimum: -90, maximum: 90, description: 'WGS84; must lie in the region' })
  @IsNumber(FINITE, { message: 'must be a number' })
  @Min(-90, { message: 'must be at least -90' })
  @Max(90, { message: 'must be at most 90' })
  latitude: number;

  @ApiProperty({ example: 3.77, minimum: -180, maximum: 180, description: 'WGS84; must lie in the region' })
  @IsNumber(FINITE, { message: 'must be a number' })
  @Min(-180, { message: 'must be at least -180' })
  @Max(180, { message: 'must be at most 180' })
  longitude: number;

  @ApiProperty({ enum: REGION_CODES, description: 'ISO 3166-2 region; fixes the site’s country' })
  @REGION()
  region: string;

  @ApiProperty({ example: 'Gent', minLength: 1, maxLength: 100 })
  @SingleLineText(1, 100)
  municipality: string;

  @ApiPropertyOptional({ default: false, description: 'Barge transport possible' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  hasQuay?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Rail transport possible' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  hasRail?: boolean;
}

export class UpdateSiteRequest {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @OptionalNotNull()
  @SingleLineText(1, 200)
  name?: string;

  @ApiPropertyOptional({ minimum: -90, maximum: 90 })
  @OptionalNotNull()
  @IsNumber(FINITE, { message: 'must be a number' })
  @Min(-90, { message: 'must be at least -90' })
  @Max(90, { message: 'must be at most 90' })
  latitude?: number;

  @ApiPropertyOptional({ minimum: -180, maximum: 180 })
  @OptionalNotNull()
  @IsNumber(FINITE, { message: 'must be a number' })
  @Min(-180, { message: 'must be at least -180' })
  @Max(180, { message: 'must be at most 180' })
  longitude?: number;

  @ApiPropertyOptional({ enum: REGION_CODES })
  @OptionalNotNull()
  @REGION()
  region?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @OptionalNotNull()
  @SingleLineText(1, 100)
  municipality?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  hasQuay?: boolean;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  hasRail?: boolean;
}

export class ListSitesQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this company’s sites (within what you may see)' })
  @IsOptional()
  @IsUuidText()
  companyId?: string;

  @ApiPropertyOptional({ enum: REGION_CODES })
  @IsOptional()
  @REGION()
  region?: string;
}

// ---- API keys ------------------------------------------------------------------------------------

export class CreateApiKeyRequest {
  @ApiProperty({ example: 'Power BI refresh', minLength: 1, maxLength: 100 })
  @SingleLineText(1, 100)
  name: string;
}
