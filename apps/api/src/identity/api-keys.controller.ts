import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeysService, mapPage, Principal } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { ApiAuth, ApiErrors } from './api-docs';
import { PageQuery } from './dto/common.dto';
import { CreateApiKeyRequest } from './dto/identity.requests';
import { ApiKeyPage, ApiKeyResponse, CreatedApiKeyResponse } from './dto/identity.responses';
import { ResourceIdPipe } from './resource-id.pipe';

/** Every role manages its own keys only. */
@ApiTags('api-keys')
@ApiAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the full key is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(400, 401, 403, 409)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyRequest,
  ): Promise<CreatedApiKeyResponse> {
    const { apiKey, key } = await this.keys.create(principal, body.name);
    return { ...ApiKeyResponse.from(apiKey), key };
  }

  @Get()
  @ApiOperation({ summary: 'Your API keys, revoked ones included' })
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiErrors(400, 401)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: PageQuery): Promise<ApiKeyPage> {
    return mapPage(await this.keys.list(principal, query.toPageRequest()), ApiKeyResponse.from);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiErrors(401, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('API key')) id: string,
  ): Promise<ApiKeyResponse> {
    return ApiKeyResponse.from(await this.keys.get(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your API keys (at once; idempotent)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(401, 404)
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('API key')) id: string,
  ): Promise<void> {
    await this.keys.revoke(principal, id);
  }
}
