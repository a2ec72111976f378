import { mergeLines } from './reserve-stock.handler';

describe('mergeLines', () => {
  it('when an order repeats a SKU and lists SKUs out of order, then lines are merged and sorted by SKU', () => {
    expect(
      mergeLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);
  });
});
