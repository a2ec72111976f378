import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Hands a handler's error to the consumer as thrown. Nest's default RPC filter would replace it
 * with "Internal server error", losing both the reason dead letters record and the error's class
 * (PoisonMessageError must dead-letter at once, not after retries).
 */
@Catch()
export class PassThroughRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
