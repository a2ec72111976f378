import { runService } from '@app/consistency';
import { ShippingModule } from './shipping.module';
import { SHIPPING_CONSUMES } from './shipping.topics';

runService({ service: 'shipping', module: (config) => ShippingModule.forRoot(config), consumes: SHIPPING_CONSUMES });
