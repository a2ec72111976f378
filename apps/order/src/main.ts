import { runService } from '@app/consistency';
import { ORDER_CONSUMES } from './order.topics';
import { OrderModule } from './order.module';

runService({ service: 'order', module: (config) => OrderModule.forRoot(config), consumes: ORDER_CONSUMES });
