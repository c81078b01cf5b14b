import { searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-red-riding-hood', 'Красная шапочка');
