import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { MatchesService, MatchRunsService, Principal } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { PaginationQuery } from '../common/pagination.dto';

const MATCH_STATUSES = [
  'proposed',
  'mutual_interest',
  'approved',
  'active',
  'closed',
  'declined',
  'rejected',
  'expired',
];

export class MatchListQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: MATCH_STATUSES })
  @IsOptional()
  @IsIn(MATCH_STATUSES)
  status?: string;
}

export class CreateMatchRunDto {
  @ApiProperty({ required: false, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

@ApiTags('matches')
@ApiBearerAuth()
@Controller()
export class MatchesController {
  constructor(
    private readonly matches: MatchesService,
    private readonly runs: MatchRunsService,
  ) {}

  /** The stream's matches, best first (net CO2 avoided, energy saved, shorter route, ids). */
  @Get('streams/:id/matches')
  @Roles('officer', 'coordinator', 'admin')
  streamMatches(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: PaginationQuery) {
    return this.matches.listForStream(p, id, q.page, q.pageSize);
  }

  @Get('matches')
  @Roles('officer', 'coordinator', 'admin')
  list(@CurrentPrincipal() p: Principal, @Query() q: MatchListQuery) {
    return this.matches.list(p, { status: q.status, page: q.page, pageSize: q.pageSize });
  }

  @Get('matches/:id')
  @Roles('officer', 'coordinator', 'admin')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.matches.get(p, id);
  }

  /** Starts a full re-match of every active stream; poll GET /match-runs/:id for progress. */
  @Post('match-runs')
  @HttpCode(202)
  @Roles('coordinator', 'admin')
  startRun(@CurrentPrincipal() p: Principal, @Body() body: CreateMatchRunDto) {
    return this.runs.request(body.reason ?? 'requested by coordinator', p.userId);
  }

  @Get('match-runs/:id')
  @Roles('coordinator', 'admin')
  getRun(@Param('id') id: string) {
    return this.runs.get(id);
  }
}
