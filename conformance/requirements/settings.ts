import { rejects, same } from '../expect.js';
import { aSession, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const settingRequirements: Requirement[] = [
  {
    id: 'settings.values',
    title:
      'Settings are stored per session, listed in order, pending while their value is null; a settingKey may repeat; a value goes to the pending settings with its key, else replaces the latest value; all or nothing',
    needs: ['settings'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const ids = await ctx.store.createSettings(sessionId, [
        {
          settingKey: 'db_path',
          settingName: 'Database path',
          description: 'where',
          settingType: 'path',
          createdAt: 5,
        },
        { settingKey: 'api_key', settingName: 'API key', settingValue: 'preset', createdAt: 5 },
        { settingKey: 'region', settingName: 'Region', createdAt: 1 },
      ]);
      const all = await ctx.store.getSettings(sessionId);
      same(
        all.map((s) => s.settingKey),
        ['region', 'db_path', 'api_key'],
        'settings in createdAt order, ties by insertion',
      );
      same(
        all[1],
        {
          id: ids[0],
          sessionId,
          toolCallId: null,
          settingKey: 'db_path',
          settingName: 'Database path',
          description: 'where',
          settingType: 'path',
          settingValue: null,
          createdAt: 5,
          updatedAt: null,
        },
        'a whole setting',
      );
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.settingKey),
        ['region', 'db_path'],
        'pending settings',
      );
      await ctx.store.setSettingValues(sessionId, [
        { settingKey: 'db_path', value: '/data/app.db', updatedAt: 8 },
        { settingKey: 'region', value: '' },
      ]);
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.settingKey),
        [],
        'nothing pending (an empty value is a value)',
      );
      same(
        (await ctx.store.getSettings(sessionId)).map((s) => [s.settingKey, s.settingValue, s.updatedAt]),
        [
          ['region', '', T0],
          ['db_path', '/data/app.db', 8],
          ['api_key', 'preset', null],
        ],
        'values and times',
      );
      const visible = async () => [
        await ctx.store.getSettings(sessionId),
        await ctx.store.getSettings(other),
      ];
      await writesNothing(
        ctx,
        'values with an unknown key',
        () =>
          rejects(
            () =>
              ctx.store.setSettingValues(sessionId, [
                { settingKey: 'api_key', value: 'x' },
                { settingKey: 'nope', value: 'y' },
              ]),
            'NOT_FOUND',
            'a value for an unknown setting',
          ),
        visible,
      );
      // The agent asks for `region` again: a new, pending row; its value does not touch the first.
      const [again] = await ctx.store.createSettings(sessionId, [
        { settingKey: 'region', settingName: 'Region (again)', createdAt: 9 },
      ]);
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.id),
        [again],
        'a repeated settingKey is a new, pending setting',
      );
      await ctx.store.setSettingValues(sessionId, [{ settingKey: 'region', value: 'eu', updatedAt: 10 }]);
      const regions = async () =>
        (await ctx.store.getSettings(sessionId))
          .filter((x) => x.settingKey === 'region')
          .map((x) => [x.settingValue, x.updatedAt]);
      same(
        await regions(),
        [
          ['', T0],
          ['eu', 10],
        ],
        'the value went to the pending region only',
      );
      await ctx.store.setSettingValues(sessionId, [{ settingKey: 'region', value: 'us', updatedAt: 11 }]);
      same(
        await regions(),
        [
          ['', T0],
          ['us', 11],
        ],
        'setting again changed the latest region only',
      );
      same(
        (
          await ctx.store.createSettings(other, [
            { settingKey: 'a', settingName: 'A' },
            { settingKey: 'a', settingName: 'B' },
          ])
        ).length,
        2,
        'the same settingKey twice in one call: two settings',
      );
      await writesNothing(
        ctx,
        'a settingKey twice in one values call',
        () =>
          rejects(
            () =>
              ctx.store.setSettingValues(sessionId, [
                { settingKey: 'api_key', value: 'x' },
                { settingKey: 'api_key', value: 'y' },
              ]),
            'INVALID_INPUT',
            'the same settingKey twice in one call',
            { field: 'values[1].settingKey' },
          ),
        visible,
      );
      await rejects(
        () => ctx.store.setSettingValues('999999999', [{ settingKey: 'x', value: 'y' }]),
        'NOT_FOUND',
        'an unknown session',
      );
      same(await ctx.store.createSettings(other, []), [], 'no settings');
    },
  },
];
