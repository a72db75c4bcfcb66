import { ROLES, USER_STATUSES, assertActive, normaliseEmail, type User } from '../../../src/identity/domain/user.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

const user = (status: User['status']): User => ({
  id: 'u', email: 'ada@example.com', passwordHash: null, role: 'user', plan: 'free', status, legalHold: false,
  createdAt: new Date(0), updatedAt: new Date(0),
});

describe('users', () => {
  it('have the roles admin, user and guest, and are active or suspended', () => {
    expect(ROLES).toEqual(['admin', 'user', 'guest']);
    expect(USER_STATUSES).toEqual(['active', 'suspended']);
  });

  it('are refused with ACCOUNT_SUSPENDED while suspended', () => {
    expect(() => assertActive(user('active'))).not.toThrow();
    expect(() => assertActive(user('suspended'))).toThrow(new DomainError('ACCOUNT_SUSPENDED', 'this account is suspended'));
    expect(() => assertActive(user('suspended'))).toThrow(expect.objectContaining({ code: 'ACCOUNT_SUSPENDED', status: 403 }));
  });

  it('have their email trimmed and lower-cased', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
    expect(normaliseEmail('ada@example.com')).toBe('ada@example.com');
  });
});
