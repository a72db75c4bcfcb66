import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';

export const NEST_TRACER = '@gus/nest-handlers';
const tracer = trace.getTracer(NEST_TRACER);

/**
 * A span per Nest route handler ("ConversationsController.send"), inside the HTTP server span.
 * OpenTelemetry's Nest instrumentation does not support NestJS 12 yet (it stops at < 12), so gus
 * opens these itself; the handler runs inside the span, so the spans of its queries nest under it.
 */
@Injectable()
export class HandlerSpanInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const controller = context.getClass().name;
    const handler = context.getHandler().name;
    return new Observable((subscriber) => {
      tracer.startActiveSpan(`${controller}.${handler}`, { attributes: { 'nestjs.controller': controller, 'nestjs.callback': handler, 'nestjs.type': 'handler' } }, (span) => {
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        });
      });
    });
  }
}
