import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  MATCH_STATUSES,
  MatchAction,
  MatchesService,
  MatchRunsService,
  MatchWorkflowService,
  Principal,
} from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { PaginationQuery } from '../common/pagination.dto';
import { ApiErrors } from '../identity/api-docs';
import { ResourceIdPipe } from '../identity/resource-id.pipe';
import { CoordinatorTransitionDto, MatchTransitionDto } from './dto/match-transition.dto';

export class MatchListQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: MATCH_STATUSES })
  @IsOptional()
  @IsIn(MATCH_STATUSES)
  status?: string;
}

export class StreamMatchesQuery extends PaginationQuery {
  @ApiPropertyOptional({
    description:
      'Also list the nearest rejected candidates with their reason codes (who they are stays hidden)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  explainRejections?: 'true' | 'false';
}

export class CreateMatchRunDto {
  @ApiProperty({ required: false, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

const MatchId = () => Param('id', new ResourceIdPipe('Match'));

@ApiTags('matches')
@ApiBearerAuth()
@Controller()
export class MatchesController {
  constructor(
    private readonly matches: MatchesService,
    private readonly workflow: MatchWorkflowService,
    private readonly runs: MatchRunsService,
  ) {}

  /** The stream's matches, best first (net CO2 avoided, energy saved, shorter route, ids). */
  @Get('streams/:id/matches')
  @Roles('officer', 'coordinator', 'admin')
  streamMatches(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ResourceIdPipe('Stream')) id: string,
    @Query() q: StreamMatchesQuery,
  ) {
    return this.matches.listForStream(p, id, q.page, q.pageSize, q.explainRejections === 'true');
  }

  @Get('matches')
  @Roles('officer', 'coordinator', 'admin')
  list(@CurrentPrincipal() p: Principal, @Query() q: MatchListQuery) {
    return this.matches.list(p, { status: q.status, page: q.page, pageSize: q.pageSize });
  }

  @Get('matches/:id')
  @Roles('officer', 'coordinator', 'admin')
  get(@CurrentPrincipal() p: Principal, @MatchId() id: string) {
    return this.matches.get(p, id);
  }

  @Post('matches/:id/interest')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({
    summary: 'Say your company is interested (officer of either side)',
    description:
      'proposed → proposed with your side interested; when the other side already is → mutual_interest, ' +
      'and both companies see each other. The first interest freezes the estimate as `agreedEstimate`. ' +
      'Returns the match as you now see it.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  interest(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: MatchTransitionDto) {
    return this.act(p, id, 'interest', body);
  }

  @Post('matches/:id/decline')
  @HttpCode(200)
  @Roles('officer')
  @ApiOperation({
    summary: 'Say your company is not interested (officer of either side)',
    description: 'proposed | mutual_interest → declined.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  decline(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: MatchTransitionDto) {
    return this.act(p, id, 'decline', body);
  }

  @Post('matches/:id/approve')
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiOperation({
    summary: 'Approve a match both sides are interested in (coordinator)',
    description:
      'mutual_interest → approved. A stale match (a stream changed after the estimate was agreed) needs ' +
      '`acceptFreshEstimate: true`, else 409 STALE_ESTIMATE; a pair that no longer qualifies cannot be approved.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  approve(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: CoordinatorTransitionDto) {
    return this.act(p, id, 'approve', body);
  }

  @Post('matches/:id/reject')
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiOperation({
    summary: 'Reject a match (coordinator)',
    description: 'proposed | mutual_interest → rejected.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  reject(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: CoordinatorTransitionDto) {
    return this.act(p, id, 'reject', body);
  }

  @Post('matches/:id/activate')
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiOperation({
    summary: 'Start the exchange (coordinator)',
    description: 'approved → active; a stale match needs `acceptFreshEstimate: true` as for approve.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  activate(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: CoordinatorTransitionDto) {
    return this.act(p, id, 'activate', body);
  }

  @Post('matches/:id/close')
  @HttpCode(200)
  @Roles('coordinator', 'admin')
  @ApiOperation({ summary: 'End the exchange (coordinator)', description: 'active → closed.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(400, 401, 403, 404, 409)
  close(@CurrentPrincipal() p: Principal, @MatchId() id: string, @Body() body: CoordinatorTransitionDto) {
    return this.act(p, id, 'close', body);
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
  getRun(@Param('id', new ResourceIdPipe('Match run')) id: string) {
    return this.runs.get(id);
  }

  private async act(p: Principal, id: string, action: MatchAction, body: CoordinatorTransitionDto) {
    await this.workflow.transition(p, id, action, {
      version: body.version,
      note: body.note,
      acceptFreshEstimate: body.acceptFreshEstimate,
    });
    return this.matches.get(p, id);
  }
}
