import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { OptionalNotNull } from '../../identity/dto/validation';

/** Body of every workflow action: the version you read, and an optional note for the audit trail. */
export class MatchTransitionDto {
  @ApiProperty({
    minimum: 1,
    description: 'The match version you read; a stale one is a 409 VERSION_CONFLICT and changes nothing',
  })
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(2_147_483_647, { message: 'must be at most 2147483647' })
  version: number;

  @ApiPropertyOptional({
    maxLength: 2000,
    description:
      'Kept in the match events. Before mutual interest the other party does not see your note ' +
      '(coordinators always do); after it, both parties do.',
  })
  @OptionalNotNull()
  @IsString({ message: 'must be a string' })
  @MaxLength(2000, { message: 'must be at most 2000 characters long' })
  // Line breaks are fine; other control characters (NUL breaks Postgres text) are not.
  @Matches(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, { message: 'must not contain control characters' })
  note?: string;
}

/** Coordinator actions; approve and activate of a stale match need `acceptFreshEstimate`. */
export class CoordinatorTransitionDto extends MatchTransitionDto {
  @ApiPropertyOptional({
    description:
      'Approve/activate only: the match is stale (a stream changed after the estimate was agreed) and ' +
      'you accept the fresh estimate, which replaces `agreedEstimate`. Without it a stale match is a ' +
      '409 STALE_ESTIMATE.',
  })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be a boolean' })
  acceptFreshEstimate?: boolean;
}
