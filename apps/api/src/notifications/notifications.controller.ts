import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { NotificationsService, Principal } from '@symbiose/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { PaginationQuery } from '../common/pagination.dto';
import { ApiAuth, ApiErrors } from '../identity/api-docs';
import { ResourceIdPipe } from '../identity/resource-id.pipe';

export class NotificationListQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only unread notifications' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}

/**
 * Your own notification feed: new matches on your company's streams, the other side's interest,
 * mutual interest, approvals, rejections (officers); matches awaiting approval (coordinators).
 * Notifications never name an anonymous counterpart.
 */
@ApiTags('notifications')
@ApiAuth()
@Roles('officer', 'coordinator', 'admin')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Your notifications, newest first' })
  @ApiErrors(400, 401, 403)
  list(@CurrentPrincipal() p: Principal, @Query() q: NotificationListQuery) {
    return this.notifications.list(p, q.page, q.pageSize, q.unread === 'true');
  }

  @Get('unread-count')
  @ApiOperation({ summary: 'How many of your notifications are unread' })
  @ApiErrors(401, 403)
  unreadCount(@CurrentPrincipal() p: Principal) {
    return this.notifications.unreadCount(p);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all your notifications read' })
  @ApiErrors(401, 403)
  readAll(@CurrentPrincipal() p: Principal) {
    return this.notifications.markAllRead(p);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of your notifications read (another user’s is a 404)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiErrors(401, 403, 404)
  read(@CurrentPrincipal() p: Principal, @Param('id', new ResourceIdPipe('Notification')) id: string) {
    return this.notifications.markRead(p, id);
  }
}
