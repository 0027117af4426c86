import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError } from '@symbiose/core';
import {
  IDEMPOTENCY_KEY_PATTERN,
  MaterialTypeView,
  Paginated,
  Principal,
  StreamsService,
  StreamView,
} from '@symbiose/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from '../identity/api-docs';
import { ResourceIdPipe } from '../identity/resource-id.pipe';
import {
  ChangeStreamStatusDto,
  CreateStreamDto,
  StreamListQuery,
  UpdateStreamDto,
} from './dto/stream.requests';
import { MaterialTypePage, StreamPage, StreamResponse } from './dto/stream.responses';

const StreamId = () => Param('id', new ResourceIdPipe('Stream'));

/** Residual-stream listings. Officers work on their own company's streams; coordinators and admins on all. */
@ApiTags('streams')
@ApiAuth()
@Roles('admin', 'coordinator', 'officer')
@Controller('streams')
export class StreamsController {
  constructor(private readonly streams: StreamsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'List a stream (supply or demand) on one of your sites',
    description:
      'Status `active` (default) starts matching; `draft` keeps it private. With an `Idempotency-Key`, ' +
      'a retry with the same body returns the first response; another body with the key is a 409.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-255 visible characters, per user, 24 h',
  })
  @ApiCreatedResponse({ type: StreamResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateStreamDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw DomainError.validation({ 'Idempotency-Key': 'must be 1 to 255 visible ASCII characters' });
    }
    const result = await this.streams.create(
      principal,
      body,
      idempotencyKey !== undefined ? { key: idempotencyKey, rawBody: request.body } : undefined,
    );
    void reply.status(result.statusCode);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return result.body;
  }

  @Get()
  @ApiOperation({ summary: 'List streams, newest first (an officer sees only their company’s)' })
  @ApiOkResponse({ type: StreamPage })
  @ApiErrors(400, 401, 403)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: StreamListQuery,
  ): Promise<Paginated<StreamView>> {
    const { page, pageSize } = query.toPageRequest();
    return this.streams.list(principal, {
      direction: query.direction,
      category: query.category,
      status: query.status,
      siteId: query.siteId,
      companyId: query.companyId,
      page,
      pageSize,
    });
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: StreamResponse })
  @ApiErrors(401, 403, 404)
  get(@CurrentPrincipal() principal: Principal, @StreamId() id: string): Promise<StreamView> {
    return this.streams.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Edit a stream at the version you read',
    description:
      'Changes that can affect matching (quantity, quality, counterfactual, availability, distance, ' +
      'legal status, site) bump `version` and re-match; title, description and visibility do not.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: StreamResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @CurrentPrincipal() principal: Principal,
    @StreamId() id: string,
    @Body() body: UpdateStreamDto,
  ): Promise<StreamView> {
    const { version, ...patch } = body;
    return this.streams.update(principal, id, patch, version);
  }

  @Post(':id/status')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish (active), pause, resume (active) or withdraw a stream',
    description:
      'draft → active | withdrawn; active ↔ paused; active | paused → withdrawn. Others are a 409.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: StreamResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  changeStatus(
    @CurrentPrincipal() principal: Principal,
    @StreamId() id: string,
    @Body() body: ChangeStreamStatusDto,
  ): Promise<StreamView> {
    return this.streams.changeStatus(principal, id, body.status, body.version);
  }
}

/** The material taxonomy a material stream's `materialType` is chosen from. */
@ApiTags('streams')
@ApiAuth()
@Controller('material-types')
export class MaterialTypesController {
  constructor(private readonly streams: StreamsService) {}

  @Get()
  @ApiOperation({ summary: 'Material types with their typical EWC codes (any authenticated user)' })
  @ApiOkResponse({ type: MaterialTypePage })
  @ApiErrors(401)
  async list(): Promise<Paginated<MaterialTypeView>> {
    const items = await this.streams.listMaterialTypes();
    return { items, page: 1, pageSize: items.length, total: items.length };
  }
}
