import type { Request } from 'express';
import { requestLabels } from './http.metrics';

const request = (method: string, route?: string, baseUrl = '') =>
  ({ method, baseUrl, route: route === undefined ? undefined : { path: route } }) as unknown as Request;

describe('requestLabels', () => {
  it('when a route answered, then the labels carry its template, method and status class', () => {
    expect(requestLabels(request('GET', '/orders/:id'), 404)).toEqual({
      route: '/orders/:id',
      method: 'GET',
      status_class: '4xx',
    });
    expect(requestLabels(request('POST', '/orders'), 202)).toMatchObject({ route: '/orders', status_class: '2xx' });
  });

  it('when no route took the request, then one series stands for every such path', () => {
    expect(requestLabels(request('GET'), 404).route).toBe('unmatched');
    // What a middleware registered for every path leaves on a request no route took.
    expect(requestLabels(request('GET', '/{*path}'), 404).route).toBe('unmatched');
    expect(requestLabels(request('GET', '/orders/{*rest}'), 200).route).toBe('/orders/{*rest}');
  });

  it('when the method is unusual, then it is counted as other', () => {
    expect(requestLabels(request('PROPFIND', '/orders'), 405).method).toBe('other');
  });
});
